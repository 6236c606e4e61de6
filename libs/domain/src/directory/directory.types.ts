/** The directory: institutions ("entities"), tables ("mesas") and people ("actors"). */
export type ActorRole = 'official' | 'auditor' | 'admin';
export const ACTOR_ROLES: readonly ActorRole[] = ['official', 'auditor', 'admin'];

export interface Entity {
  code: string;
  name: string;
  kind?: string;
}

export interface Mesa {
  code: string;
  name: string;
  coordinator: string;
  technicalReviewer: string;
  members: string[];
  invited: string[];
  /** Workflow definition id the table's plans follow, e.g. `action-plan`. */
  workflow: string;
}

/** Who is acting: a person, the institution they act for, and their roles. */
export interface Actor {
  id: string;
  name: string;
  entity: string | null;
  roles: ActorRole[];
}

export const DIRECTORY_EVENTS = {
  entityRegistered: 'entity.registered',
  entityChannelsChanged: 'entity.channels-changed',
  mesaCreated: 'mesa.created',
  actorRegistered: 'actor.registered',
  actorRevoked: 'actor.revoked',
} as const;
