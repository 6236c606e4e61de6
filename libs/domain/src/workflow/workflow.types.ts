/**
 * A workflow definition is data: states and transitions, each naming who may perform it
 * (a role relative to the plan's table) and whether a rationale is required. One generic
 * decider interprets any definition.
 */
export const PLAN_STATES = [
  'draft',
  'technical_review',
  'endorsement',
  'presentation',
  'implementation',
  'completed',
  'withdrawn',
] as const;
export type PlanStatus = (typeof PLAN_STATES)[number];

export const PLAN_ACTIONS = [
  'submit',
  'approve',
  'request-changes',
  'endorse',
  'return',
  'record-presentation',
  'complete',
  'withdraw',
] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** Roles resolved from the plan's table at decision time. */
export type TableRole = 'coordinator' | 'technical_reviewer' | 'member' | 'invited' | 'drafter';

export type RationaleRule = 'none' | 'optional' | 'required' | 'required-if-open-tasks';

/** Extra conditions a transition checks, named so definitions stay data. */
export type TransitionGuard =
  | 'blocking-observations-answered'
  | 'observations-required'
  | 'presentation-required'
  | 'four-eyes';

/** What entering the target state sets in motion. */
export type TransitionEffect = 'freeze-revision' | 'create-tasks';

export interface Transition {
  action: PlanAction | 'edit';
  from: PlanStatus[];
  to: PlanStatus;
  who: TableRole[];
  rationale: RationaleRule;
  /** Stable event type recorded when the transition happens. */
  event: string;
  guards: TransitionGuard[];
  effects: TransitionEffect[];
}

export interface WorkflowDefinition {
  id: string;
  version: number;
  title: { es: string; en: string };
  initial: PlanStatus;
  states: PlanStatus[];
  transitions: Transition[];
}

export interface DefinitionRef {
  id: string;
  version: number;
}

export const formatDefinitionRef = (ref: DefinitionRef): string => `${ref.id}@${ref.version}`;
