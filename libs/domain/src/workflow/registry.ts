import { ACTION_PLAN_V1 } from './action-plan.v1';
import { DefinitionRef, WorkflowDefinition } from './workflow.types';

const DEFINITIONS: readonly WorkflowDefinition[] = [ACTION_PLAN_V1];

/** The definition a plan pinned when it was opened; a new version never changes it. */
export function findDefinition(ref: DefinitionRef): WorkflowDefinition | undefined {
  return DEFINITIONS.find((d) => d.id === ref.id && d.version === ref.version);
}

/** The newest version of a definition: what a plan opened today pins. */
export function latestDefinition(id: string): WorkflowDefinition | undefined {
  return DEFINITIONS.filter((d) => d.id === id).sort((a, b) => b.version - a.version)[0];
}

export function listDefinitions(): readonly WorkflowDefinition[] {
  return DEFINITIONS;
}
