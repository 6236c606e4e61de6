import { Injectable } from '@nestjs/common';
import { DefinitionRef, NotFound, PlanRecordedEvent, PlanState, WorkflowDefinition, evolvePlan, findDefinition, formatDefinitionRef } from '@govflow/domain';
import { EventStore, StoredEvent } from '@govflow/event-store';

export const planStreamId = (planId: string): string => `plan-${planId}`;

export function definitionOf(ref: DefinitionRef): WorkflowDefinition {
  const definition = findDefinition(ref);
  if (!definition) throw new Error(`workflow ${formatDefinitionRef(ref)} is not installed`);
  return definition;
}

export function foldPlan(events: StoredEvent[]): PlanState | null {
  return foldPlanFrom(null, events);
}

export function foldPlanFrom<S extends PlanState | null>(state: S, events: StoredEvent[]): S extends PlanState ? PlanState : PlanState | null {
  return events.reduce<PlanState | null>((s, event) => evolvePlan(s, event as PlanRecordedEvent, definitionOf), state) as never;
}

export const planNotFound = (planId: string) => new NotFound({ es: `No existe el plan ${planId}.`, en: `There is no plan ${planId}.` });

export interface LoadedPlan {
  state: PlanState;
  head: string;
}

/** Plans are read from their stream and folded: the events are the truth. */
@Injectable()
export class PlanRepository {
  constructor(private readonly store: EventStore) {}

  async load(planId: string): Promise<LoadedPlan> {
    const events = await this.store.readStream(planStreamId(planId));
    const state = foldPlan(events);
    if (!state) throw planNotFound(planId);
    return { state, head: events[events.length - 1].hash };
  }

  /** The plan as it was at an instant (inclusive) or after a version. */
  async loadAt(planId: string, point: { at?: string; version?: number }): Promise<PlanState> {
    const events = await this.store.readStream(planStreamId(planId), { until: point.at, toVersion: point.version });
    const state = foldPlan(events);
    if (!state) {
      throw new NotFound({
        es: `El plan ${planId} no existía en ese momento.`,
        en: `Plan ${planId} did not exist at that point.`,
      });
    }
    return state;
  }
}
