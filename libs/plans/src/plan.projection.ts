import { NewEvent, PlanState, formatDefinitionRef } from '@govflow/domain';
import { AppendResult, CommandContext, EventStoreTransaction, SqlWriter, envelope, preparedWrite } from '@govflow/event-store';
import { foldPlanFrom, planStreamId } from './plan.repository';

const UPSERT_PLAN = preparedWrite(
  'govflow_upsert_plan',
  `INSERT INTO plans (id, mesa, status, version, revision, title, drafter, state, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
   ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, revision = EXCLUDED.revision,
     title = EXCLUDED.title, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
);

/** The plan read model, written in the same transaction as the plan's events (sent with its next statement or COMMIT). */
export function upsertPlan(db: SqlWriter, plan: PlanState): void {
  db.write(
    UPSERT_PLAN,
    [plan.id, plan.mesa, plan.status, plan.version, plan.revision, plan.content.title, plan.drafter, JSON.stringify(plan), plan.createdAt, plan.updatedAt],
  );
}

/**
 * Stages a decision's events onto a plan loaded at (version, head), and its read model, in the
 * caller's transaction: both travel with COMMIT (or the next statement), so a decision costs no
 * round trip of its own. Returns the plan after the events; their positions are known once sent.
 */
export function appendToPlan(
  tx: EventStoreTransaction,
  loaded: { state: PlanState; head: string },
  events: NewEvent[],
  ctx: CommandContext,
): { after: PlanState; appended: AppendResult } {
  const { state, head } = loaded;
  const appended = tx.stage({
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
