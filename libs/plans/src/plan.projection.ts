import { NewEvent, PlanState, formatDefinitionRef } from '@govflow/domain';
import { AppendResult, CommandContext, EventStoreTransaction, SqlWriter, envelope } from '@govflow/event-store';
import { foldPlanFrom, planStreamId } from './plan.repository';

/** The plan read model, written in the same transaction as the plan's events (sent with its next statement or COMMIT). */
export function upsertPlan(db: SqlWriter, plan: PlanState): void {
  db.write(
    `INSERT INTO plans (id, mesa, status, version, revision, title, drafter, state, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, revision = EXCLUDED.revision,
       title = EXCLUDED.title, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [plan.id, plan.mesa, plan.status, plan.version, plan.revision, plan.content.title, plan.drafter, JSON.stringify(plan), plan.createdAt, plan.updatedAt],
  );
}

/**
 * Appends a decision's events to a plan loaded at (version, head), then writes the plan's
 * read model, inside the caller's transaction. Returns the plan after the events.
 */
export async function appendToPlan(
  tx: EventStoreTransaction,
  loaded: { state: PlanState; head: string },
  events: NewEvent[],
  ctx: CommandContext,
): Promise<{ after: PlanState; appended: AppendResult }> {
  const { state, head } = loaded;
  const appended = await tx.append({
    streamId: planStreamId(state.id),
    streamType: 'plan',
    expectedVersion: state.version,
    expectedHead: head,
    events: envelope(events, ctx, formatDefinitionRef(state.definition)),
  });
  const after = foldPlanFrom(state, appended.events);
  upsertPlan(tx, after);
  return { after, appended };
}
