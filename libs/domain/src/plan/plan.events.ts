import { DefinitionRef } from '../workflow/workflow.types';
import { PlanContent, PlanTaskRef, Presentation } from './plan.types';

export interface ObservationRaised {
  id: string;
  text: string;
  blocking: boolean;
  commitmentRef?: string;
}

export interface ObservationResponse {
  observationId: string;
  response: string;
}

/** Every plan event, by its stable type. */
export interface PlanEventMap {
  'plan.opened': { planId: string; mesa: string; definition: DefinitionRef; drafter: string; content: PlanContent };
  'plan.content-edited': { content: PlanContent };
  'plan.submitted': { revision: number; sha256: string; content: PlanContent; responses: ObservationResponse[] };
  'plan.approved': Record<string, never>;
  'plan.changes-requested': { observations: ObservationRaised[] };
  'plan.endorsed': Record<string, never>;
  'plan.returned': { from: string };
  'plan.presentation-recorded': { presentation: Presentation; tasks: PlanTaskRef[] };
  'plan.completed': { openTasks: number };
  'plan.withdrawn': { from: string };
}

export type PlanEventType = keyof PlanEventMap;
export const PLAN_EVENT_TYPES = [
  'plan.opened',
  'plan.content-edited',
  'plan.submitted',
  'plan.approved',
  'plan.changes-requested',
  'plan.endorsed',
  'plan.returned',
  'plan.presentation-recorded',
  'plan.completed',
  'plan.withdrawn',
] as const satisfies readonly PlanEventType[];

export type PlanNewEvent = { [K in PlanEventType]: { type: K; data: PlanEventMap[K]; rationale?: string; revision?: number } }[PlanEventType];
export type PlanRecordedEvent = {
  [K in PlanEventType]: {
    streamId: string;
    version: number;
    type: K;
    data: PlanEventMap[K];
    metadata: import('../shared/events').EventMetadata;
    recordedAt: string;
  };
}[PlanEventType];
