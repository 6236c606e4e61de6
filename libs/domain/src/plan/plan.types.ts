import { DefinitionRef, PlanStatus } from '../workflow/workflow.types';

export interface Milestone {
  ref: string;
  title: string;
  /** ISO date (YYYY-MM-DD). Past dates are accepted: plans can be recorded after the fact. */
  dueDate: string;
  responsibleEntity?: string;
}

export interface Commitment {
  ref: string;
  title: string;
  description?: string;
  leadEntity: string;
  supportEntities?: string[];
  milestones: Milestone[];
}

/** What the drafters write; frozen as a numbered revision at each submission. */
export interface PlanContent {
  title: string;
  objective: string;
  commitments: Commitment[];
}

export interface Observation {
  id: string;
  text: string;
  blocking: boolean;
  commitmentRef?: string;
  raisedBy: string;
  raisedByEntity: string | null;
  raisedOnRevision: number;
  raisedAt: string;
  response?: string;
  respondedBy?: string;
  respondedAt?: string;
}

export interface Revision {
  number: number;
  sha256: string;
  submittedBy: string;
  submittedByEntity: string | null;
  submittedAt: string;
}

export interface Presentation {
  date: string;
  forum: string;
}

export interface PlanTaskRef {
  taskId: string;
  commitmentRef: string;
  milestoneRef: string;
}

export interface PlanState {
  id: string;
  mesa: string;
  definition: DefinitionRef;
  status: PlanStatus;
  /** Stream version: the number of events folded. */
  version: number;
  drafter: string;
  openedBy: string;
  content: PlanContent;
  /** Latest frozen revision (0 before the first submission). */
  revision: number;
  revisions: Revision[];
  observations: Observation[];
  presentation?: Presentation;
  tasks: PlanTaskRef[];
  createdAt: string;
  updatedAt: string;
}
