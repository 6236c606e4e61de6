import { PlanState, TaskRecordedEvent, TaskState, evolveTask } from '@govflow/domain';
import { EventStore, StoredEvent, toStoredEvent } from '@govflow/event-store';
import { upsertTask } from '@govflow/tasks';
import { upsertPlan } from '../plan.projection';
import { foldPlanFrom } from '../plan.repository';

/**
 * Rebuilds the plan and task read models from the events alone, in one transaction (readers
 * see the old rows until it commits). Progress and the open-data export are derived from these
 * read models, so they come out identical. Returns how many of each were rebuilt.
 */
export async function rebuildPlanAndTaskProjections(store: EventStore, options: { mesa?: string } = {}): Promise<{ plans: number; tasks: number }> {
  return store.transaction(async (tx) => {
    // One table's plans and tasks, or all of them.
    const scope = options.mesa
      ? `stream_id IN (SELECT 'plan-' || id FROM plans WHERE mesa = $1 UNION ALL SELECT 'task-' || id FROM tasks WHERE mesa = $1)`
      : `(stream_id LIKE 'plan-%' OR stream_id LIKE 'task-%') AND $1::text IS NULL`;
    const { rows } = await tx.query(
      `SELECT position::text AS position, stream_id, stream_version, type, data, metadata, recorded_at,
              encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
         FROM events WHERE ${scope} ORDER BY stream_id, stream_version`,
      [options.mesa ?? null],
    );
    await tx.query(`DELETE FROM tasks WHERE $1::text IS NULL OR mesa = $1`, [options.mesa ?? null]);
    await tx.query(`DELETE FROM plans WHERE $1::text IS NULL OR mesa = $1`, [options.mesa ?? null]);
    let plans = 0;
    let tasks = 0;
    let streamId = '';
    let batch: StoredEvent[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      if (streamId.startsWith('plan-')) {
        await upsertPlan(tx, foldPlanFrom(null, batch) as PlanState);
        plans++;
      } else {
        await upsertTask(tx, batch.reduce<TaskState | null>((s, e) => evolveTask(s, e as TaskRecordedEvent), null)!);
        tasks++;
      }
      batch = [];
    };
    for (const row of rows) {
      if (row.stream_id !== streamId) {
        await flush();
        streamId = row.stream_id;
      }
      batch.push(toStoredEvent(row));
    }
    await flush();
    return { plans, tasks };
  });
}
