import { Injectable, Optional } from '@nestjs/common';
import { DefinitionRef, NotFound, PlanRecordedEvent, PlanState, WorkflowDefinition, evolvePlan, findDefinition, formatDefinitionRef } from '@govflow/domain';
import { EventStore, SnapshotStore, StoredEvent } from '@govflow/event-store';

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

/**
 * The shape of a folded plan, as snapshots store it. Change it whenever `evolvePlan` would fold
 * the same events to a different state: snapshots under the old tag are then no longer read.
 * plan.snapshot.spec.ts fails on such a change until the tag and its fingerprint are updated.
 */
export const PLAN_SNAPSHOT_SCHEMA = 'plan-state/1';

export const planNotFound = (planId: string) => new NotFound({ es: `No existe el plan ${planId}.`, en: `There is no plan ${planId}.` });

export interface LoadedPlan {
  state: PlanState;
  head: string;
}

/**
 * Plans are read from their stream and folded: the events are the truth. A long plan is
 * folded from its snapshot (SnapshotStore: the fold at an earlier version, authenticated)
 * and the events after it; a load that folds `every` events or more past it leaves a new one.
 */
@Injectable()
export class PlanRepository {
  constructor(
    private readonly store: EventStore,
    @Optional() private readonly snapshots?: SnapshotStore,
  ) {}

  async load(planId: string): Promise<LoadedPlan> {
    const streamId = planStreamId(planId);
    const { base, events } = this.snapshots
      ? await this.snapshots.readStream<PlanState>(streamId, PLAN_SNAPSHOT_SCHEMA)
      : { base: undefined, events: await this.store.readStream(streamId) };
    const state = foldPlanFrom(base?.state ?? null, events);
    if (!state) throw planNotFound(planId);
    const head = events.length ? events[events.length - 1].hash : base!.hash;
    if (this.snapshots && events.length >= this.snapshots.every) {
      await this.snapshots.save(streamId, PLAN_SNAPSHOT_SCHEMA, state.version, head, state);
    }
    return { state, head };
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
