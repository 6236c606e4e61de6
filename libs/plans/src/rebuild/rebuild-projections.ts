import { PlanRecordedEvent, PlanState, TaskRecordedEvent, TaskState, evolvePlan, evolveTask } from '@govflow/domain';
import { EventStore } from '@govflow/event-store';
import { definitionOf } from '../plan.repository';

/** Events fetched per round trip; the next page is requested before this one is folded. */
const PAGE = 5000;
/** Read-model rows compared and written per statement. */
const WRITE_BATCH = 2000;

type Recorded = PlanRecordedEvent | TaskRecordedEvent;

/**
 * What the fold needs of an event (hashes and positions play no part in the read models).
 * `recorded_at` comes as the text Date.toISOString() would give (UTC, milliseconds truncated,
 * as pg's own parsing truncates them), without building a Date per event.
 */
const EVENT_FIELDS = `stream_id AS "streamId", stream_version AS version, type, data, metadata,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt"`;

const isPlanStream = (streamId: string) => streamId.startsWith('plan-');

function evolve(state: PlanState | TaskState | null, event: Recorded): PlanState | TaskState {
  return isPlanStream(event.streamId)
    ? evolvePlan(state as PlanState | null, event as PlanRecordedEvent, definitionOf)
    : evolveTask(state as TaskState | null, event as TaskRecordedEvent);
}

/**
 * Rebuilds the plan and task read models from the events alone, in one transaction (readers
 * see the old rows until it commits). Progress and the open-data export are derived from these
 * read models, so they come out identical. Returns how many of each were rebuilt.
 *
 * The events are read once, in global order, through a cursor (a sequential read, paged, the
 * next page on its way while this one is folded), and every stream is folded as its events
 * come. A stream's versions rise with positions in any history the store wrote; a stream whose
 * events do not (a gap, or a history altered by hand) is read again on its own in version
 * order and folded from scratch, so each stream is always folded in version order.
 *
 * Commands that would change a plan or task wait while it runs (their transactions commit
 * right after it); reads go on, and see the old rows until it commits.
 *
 * The read models then end exactly as if they had been emptied and written again, but only
 * the rows that differ are written: rows no stream folds to are deleted, the others are
 * inserted or updated when any column differs. A rebuild that finds the read models right
 * writes nothing.
 */
export async function rebuildPlanAndTaskProjections(store: EventStore, options: { mesa?: string } = {}): Promise<{ plans: number; tasks: number }> {
  return store.transaction(async (tx) => {
    const mesa = options.mesa ?? null;
    // One table's plans and tasks, or all of them.
    const scope = options.mesa
      ? `stream_id IN (SELECT 'plan-' || id FROM plans WHERE mesa = $1 UNION ALL SELECT 'task-' || id FROM tasks WHERE mesa = $1)`
      : `(stream_id LIKE 'plan-%' OR stream_id LIKE 'task-%') AND $1::text IS NULL`;

    // Commands that change a plan or a task write its row in the transaction that appends its
    // events; holding off those writers until this commits means no command commits between the
    // events read below and the rows written from them, which would roll its row back (or drop a
    // plan opened meanwhile). Writers already running finish first, and their events are read.
    // Readers are not blocked. Plans before tasks, the order in which commands write them.
    await tx.query(`LOCK TABLE plans, tasks IN SHARE ROW EXCLUSIVE MODE`);
    const states = new Map<string, PlanState | TaskState>();
    const irregular = new Set<string>();
    await tx.query(`DECLARE rebuild_events NO SCROLL CURSOR FOR SELECT ${EVENT_FIELDS} FROM events WHERE ${scope} ORDER BY position`, [mesa]);
    const fetchPage = (): Promise<{ rows: Recorded[] }> => {
      const page = tx.query<Recorded>(`FETCH ${PAGE} FROM rebuild_events`);
      page.catch(() => undefined); // awaited below; a fold that throws first must not leave it unhandled
      return page;
    };
    let next: Promise<{ rows: Recorded[] }> | undefined = fetchPage();
    while (next) {
      const rows: Recorded[] = (await next).rows;
      next = rows.length === PAGE ? fetchPage() : undefined;
      // Let the next FETCH reach the server first, so PostgreSQL reads while this page is folded.
      await new Promise((resolve) => setImmediate(resolve));
      for (const event of rows) {
        if (irregular.has(event.streamId)) continue;
        const state = states.get(event.streamId) ?? null;
        if (event.version !== (state?.version ?? 0) + 1) irregular.add(event.streamId);
        else states.set(event.streamId, evolve(state, event));
      }
    }
    await tx.query(`CLOSE rebuild_events`);
    for (const streamId of irregular) {
      const { rows } = await tx.query<Recorded>(`SELECT ${EVENT_FIELDS} FROM events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
      states.set(streamId, rows.reduce<PlanState | TaskState | null>(evolve, null)!);
    }

    // One row per id; should two streams ever fold to the same id, the later stream id wins,
    // as when each stream was written in stream id order.
    const rows = new Map<string, { streamId: string; state: PlanState | TaskState }>();
    for (const [streamId, state] of states) {
      const key = `${streamId.slice(0, streamId.indexOf('-'))}:${state.id}`;
      const seen = rows.get(key);
      if (!seen || seen.streamId < streamId) rows.set(key, { streamId, state });
    }
    const plans: PlanState[] = [];
    const tasks: TaskState[] = [];
    for (const { streamId, state } of rows.values()) {
      if (isPlanStream(streamId)) plans.push(state as PlanState);
      else tasks.push(state as TaskState);
    }

    await tx.query(`DELETE FROM tasks WHERE ($1::text IS NULL OR mesa = $1) AND id <> ALL($2::uuid[])`, [mesa, tasks.map((t) => t.id)]);
    await tx.query(`DELETE FROM plans WHERE ($1::text IS NULL OR mesa = $1) AND id <> ALL($2::uuid[])`, [mesa, plans.map((p) => p.id)]);
    for (let at = 0; at < plans.length; at += WRITE_BATCH) await tx.query(MERGE_PLANS, [JSON.stringify(plans.slice(at, at + WRITE_BATCH))]);
    for (let at = 0; at < tasks.length; at += WRITE_BATCH) await tx.query(MERGE_TASKS, [JSON.stringify(tasks.slice(at, at + WRITE_BATCH))]);
    return { plans: plans.length, tasks: tasks.length };
  });
}

// The rows upsertPlan and upsertTask write (plan.projection.ts, libs/tasks task.projection.ts),
// taken from each state's JSON: the same columns, the whole state as `state`.

const MERGE_PLANS = `
  MERGE INTO plans p
  USING (SELECT (s->>'id')::uuid AS id, s->>'mesa' AS mesa, s->>'status' AS status, (s->>'version')::int AS version,
                (s->>'revision')::int AS revision, s->'content'->>'title' AS title, s->>'drafter' AS drafter, s AS state,
                (s->>'createdAt')::timestamptz AS created_at, (s->>'updatedAt')::timestamptz AS updated_at
           FROM jsonb_array_elements($1::jsonb) AS s) r
     ON p.id = r.id
  WHEN MATCHED AND (p.mesa, p.status, p.version, p.revision, p.title, p.drafter, p.state, p.created_at, p.updated_at)
                   IS DISTINCT FROM (r.mesa, r.status, r.version, r.revision, r.title, r.drafter, r.state, r.created_at, r.updated_at) THEN
    UPDATE SET mesa = r.mesa, status = r.status, version = r.version, revision = r.revision, title = r.title,
               drafter = r.drafter, state = r.state, created_at = r.created_at, updated_at = r.updated_at
  WHEN NOT MATCHED THEN
    INSERT (id, mesa, status, version, revision, title, drafter, state, created_at, updated_at)
    VALUES (r.id, r.mesa, r.status, r.version, r.revision, r.title, r.drafter, r.state, r.created_at, r.updated_at)`;

const MERGE_TASKS = `
  MERGE INTO tasks t
  USING (SELECT (s->>'id')::uuid AS id, (s->>'planId')::uuid AS plan_id, s->>'mesa' AS mesa, s->>'entity' AS entity,
                s->>'status' AS status, (s->>'dueDate')::date AS due_date, (s->>'version')::int AS version, s AS state,
                (s->>'createdAt')::timestamptz AS created_at, (s->>'updatedAt')::timestamptz AS updated_at
           FROM jsonb_array_elements($1::jsonb) AS s) r
     ON t.id = r.id
  WHEN MATCHED AND (t.plan_id, t.mesa, t.entity, t.status, t.due_date, t.version, t.state, t.created_at, t.updated_at)
                   IS DISTINCT FROM (r.plan_id, r.mesa, r.entity, r.status, r.due_date, r.version, r.state, r.created_at, r.updated_at) THEN
    UPDATE SET plan_id = r.plan_id, mesa = r.mesa, entity = r.entity, status = r.status, due_date = r.due_date,
               version = r.version, state = r.state, created_at = r.created_at, updated_at = r.updated_at
  WHEN NOT MATCHED THEN
    INSERT (id, plan_id, mesa, entity, status, due_date, version, state, created_at, updated_at)
    VALUES (r.id, r.plan_id, r.mesa, r.entity, r.status, r.due_date, r.version, r.state, r.created_at, r.updated_at)`;
