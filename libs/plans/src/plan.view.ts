import { PlanAction, PlanState, formatDefinitionRef } from '@govflow/domain';

/** A plan as clients see it: `GET /v1/plans/:id`, and the answer to every accepted command. */
export interface PlanView {
  id: string;
  mesa: string;
  workflow: string;
  status: PlanState['status'];
  version: number;
  revision: number;
  drafter: string;
  openedBy: string;
  title: string;
  objective: string;
  commitments: PlanState['content']['commitments'];
  revisions: PlanState['revisions'];
  observations: PlanState['observations'];
  presentation?: PlanState['presentation'];
  tasks: PlanState['tasks'];
  createdAt: string;
  updatedAt: string;
  allowedActions?: PlanAction[];
  canEdit?: boolean;
  /** OGP/IRM completion, once the plan has tasks. */
  progress?: unknown;
}

export function toPlanView(state: PlanState, caller?: { allowedActions: PlanAction[]; canEdit: boolean }): PlanView {
  return {
    id: state.id,
    mesa: state.mesa,
    workflow: formatDefinitionRef(state.definition),
    status: state.status,
    version: state.version,
    revision: state.revision,
    drafter: state.drafter,
    openedBy: state.openedBy,
    title: state.content.title,
    objective: state.content.objective,
    commitments: state.content.commitments,
    revisions: state.revisions,
    observations: state.observations,
    ...(state.presentation ? { presentation: state.presentation } : {}),
    tasks: state.tasks,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    ...(caller ?? {}),
  };
}
