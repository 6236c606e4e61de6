import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Actor, DIRECTORY_EVENTS, Entity, FieldError, InvalidTransition, Mesa, NewEvent, NotFound, ValidationFailed, VersionConflict, latestDefinition } from '@govflow/domain';
import { CommandContext, EventStore, envelope } from '@govflow/event-store';
import { validateDto } from '@govflow/http';
import { projectDirectoryEvent } from './directory.projection';
import { DirectoryService, hashToken } from './directory.service';
import { RegisterEntityRequest } from './register-entity/register-entity.request.dto';
import { CreateMesaRequest } from './create-mesa/create-mesa.request.dto';
import { CreateActorRequest } from './create-actor/create-actor.request.dto';
import { RevokeActorRequest } from './revoke-actor/revoke-actor.request.dto';

/** The directory's use cases, each recorded as an event on its own stream. */
@Injectable()
export class DirectoryCommands {
  constructor(
    private readonly store: EventStore,
    private readonly directory: DirectoryService,
  ) {}

  /**
   * Appends one event and applies it to the read model in one transaction, with `extra` writes.
   * `expected`: the stream's version and head (a new stream by default); a concurrent change
   * gives `already`.
   */
  private async record(
    streamId: string,
    event: NewEvent,
    ctx: CommandContext,
    already: { es: string; en: string },
    { extra, expected = { version: 0 } }: { extra?: (tx: any) => Promise<void>; expected?: { version: number; head?: string } } = {},
  ): Promise<{ recordedAt: string }> {
    try {
      return await this.store.transaction(async (tx) => {
        const result = await tx.append({
          streamId,
          streamType: streamId.split('-')[0],
          expectedVersion: expected.version,
          ...(expected.head ? { expectedHead: expected.head } : {}),
          events: envelope([event], ctx),
        });
        await projectDirectoryEvent(tx, result.events[0]);
        if (extra) await extra(tx);
        return { recordedAt: result.events[0].recordedAt };
      });
    } catch (error) {
      if (error instanceof VersionConflict) throw new VersionConflict(already);
      throw error;
    }
  }

  async registerEntity(request: RegisterEntityRequest, ctx: CommandContext): Promise<Entity> {
    const entity: Entity = { code: request.code, name: request.name.trim(), ...(request.kind ? { kind: request.kind } : {}) };
    await this.record(`entity-${entity.code}`, { type: DIRECTORY_EVENTS.entityRegistered, data: entity }, ctx, {
      es: `Ya existe la institución ${entity.code}.`,
      en: `Institution ${entity.code} already exists.`,
    });
    return entity;
  }

  async createMesa(request: CreateMesaRequest, ctx: CommandContext): Promise<Mesa> {
    const mesa: Mesa = {
      code: request.code,
      name: request.name.trim(),
      coordinator: request.coordinator,
      technicalReviewer: request.technicalReviewer,
      members: request.members,
      invited: request.invited ?? [],
      workflow: request.workflow ?? 'action-plan',
    };
    const errors: FieldError[] = [];
    const named: [string, string][] = [
      ['coordinator', mesa.coordinator],
      ['technicalReviewer', mesa.technicalReviewer],
      ...mesa.members.map((m, i): [string, string] => [`members[${i}]`, m]),
      ...mesa.invited.map((m, i): [string, string] => [`invited[${i}]`, m]),
    ];
    const known = await this.directory.existingEntities(named.map(([, code]) => code));
    for (const [field, code] of named) {
      if (!known.has(code)) {
        errors.push({ field, message: { es: `No existe la institución ${code}: regístrela primero.`, en: `Institution ${code} does not exist: register it first.` } });
      }
    }
    mesa.invited.forEach((code, i) => {
      if (code === mesa.coordinator || code === mesa.technicalReviewer || mesa.members.includes(code)) {
        errors.push({
          field: `invited[${i}]`,
          message: { es: `${code} ya participa en la mesa con otro papel; no puede ser también invitada.`, en: `${code} already takes part in the table in another role; it cannot also be invited.` },
        });
      }
    });
    // Two institutions, two stages: the reviewer's approval and the coordinator's endorsement are separate checks.
    if (mesa.coordinator === mesa.technicalReviewer) {
      errors.push({
        field: 'technicalReviewer',
        message: {
          es: `${mesa.coordinator} no puede coordinar la mesa y también hacer su revisión técnica: el aval y la revisión son de instituciones distintas.`,
          en: `${mesa.coordinator} cannot both coordinate the table and be its technical reviewer: review and endorsement belong to different institutions.`,
        },
      });
    }
    if (!latestDefinition(mesa.workflow)) {
      errors.push({ field: 'workflow', message: { es: `No existe el flujo «${mesa.workflow}».`, en: `There is no workflow "${mesa.workflow}".` } });
    }
    if (errors.length > 0) throw new ValidationFailed(errors);
    await this.record(`mesa-${mesa.code}`, { type: DIRECTORY_EVENTS.mesaCreated, data: mesa }, ctx, {
      es: `Ya existe la mesa ${mesa.code}.`,
      en: `Table ${mesa.code} already exists.`,
    });
    return mesa;
  }

  /** The token is returned once; only its SHA-256 is stored, and never in an event. */
  async createActor(request: CreateActorRequest, ctx: CommandContext, token = `gf_${randomBytes(32).toString('base64url')}`): Promise<Actor & { token: string }> {
    // Auditors read and never change anything: one person may not both decide and audit the decisions.
    if (request.roles.includes('auditor') && request.roles.some((role) => role !== 'auditor')) {
      throw ValidationFailed.field(
        'roles',
        'Un auditor solo lee: no puede tener también el rol official ni admin. Cree un actor aparte para cada función.',
        'An auditor only reads: it cannot also hold the official or admin role. Create a separate actor for each role.',
      );
    }
    const known = await this.directory.existingEntities([request.entity]);
    if (!known.has(request.entity)) {
      throw ValidationFailed.field('entity', `No existe la institución ${request.entity}.`, `Institution ${request.entity} does not exist.`);
    }
    const actor: Actor = { id: randomUUID(), name: request.name.trim(), entity: request.entity, roles: request.roles };
    await this.record(
      `actor-${actor.id}`,
      { type: DIRECTORY_EVENTS.actorRegistered, data: actor },
      ctx,
      { es: 'El actor ya existe.', en: 'The actor already exists.' },
      {
        extra: async (tx) => {
          await tx.query(`INSERT INTO actor_credentials (token_hash, actor_id) VALUES ($1, $2)`, [hashToken(token), actor.id]);
        },
      },
    );
    return { ...actor, token };
  }

  /**
   * The person may no longer act: their token stops working (at once in this process, within
   * the token cache's lifetime in others) and the revocation, with who decided it and why, is
   * an event on their stream. Their past decisions stay as they were.
   */
  async revokeActor(actorId: string, body: unknown, ctx: CommandContext): Promise<Actor & { revokedAt: string }> {
    const found = await this.directory.actorRecord(actorId);
    if (!found) throw new NotFound({ es: `No existe la persona ${actorId}.`, en: `There is no person ${actorId}.` });
    // After the 404, as the contract orders refusals.
    const rationale = validateDto(RevokeActorRequest, body ?? {}).rationale.trim();
    if (!rationale) throw ValidationFailed.field('rationale', 'Indique por qué se revoca el acceso en «rationale».', 'Say why the access is revoked in "rationale".');
    const { actor, revokedAt, version, head } = found;
    if (revokedAt) {
      throw new InvalidTransition({
        es: `El acceso de ${actor.name} ya fue revocado el ${revokedAt}.`,
        en: `${actor.name}'s access was already revoked on ${revokedAt}.`,
      });
    }
    const recorded = await this.record(
      `actor-${actor.id}`,
      { type: DIRECTORY_EVENTS.actorRevoked, data: { id: actor.id }, rationale },
      ctx,
      { es: `El acceso de ${actor.name} cambió mientras se revocaba; consulte de nuevo.`, en: `${actor.name}'s access changed while being revoked; look again.` },
      { expected: { version, head } },
    );
    this.directory.forgetActor(actor.id);
    return { ...actor, revokedAt: recorded.recordedAt };
  }
}
