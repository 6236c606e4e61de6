import { Mesa, NewEvent, NotFound, PlanState, TaskRecordedEvent, TaskState, evolveTask, taskStreamId, timersFor } from '@govflow/domain';
import { CommandContext, EventStoreTransaction, envelope } from '@govflow/event-store';
import { recordNotifications, taskFacts } from '@govflow/notifications';
import { upsertTask } from '@govflow/tasks';

export const taskNotFound = (id: string) => new NotFound({ es: `No existe la tarea ${id}.`, en: `There is no task ${id}.` });

export function foldTask(events: { type: string }[], from: TaskState | null = null): TaskState | null {
  return events.reduce<TaskState | null>((s, e) => evolveTask(s, e as TaskRecordedEvent), from);
}

/** Plans (or re-plans, when the due date changes) a task's timers, inside the caller's transaction. */
export function planTaskTimers(tx: EventStoreTransaction, taskId: string, dueDate: string): void {
  const timers = timersFor(dueDate);
  tx.write(
    `INSERT INTO task_timers (task_id, kind, due_at) SELECT $1, k, d FROM unnest($2::text[], $3::timestamptz[]) AS t(k, d)
     ON CONFLICT (task_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at,
       fired_at = CASE WHEN task_timers.due_at = EXCLUDED.due_at THEN task_timers.fired_at ELSE NULL END`,
    [taskId, timers.map((t) => t.kind), timers.map((t) => t.dueAt.toISOString())],
  );
}

/**
 * Stages a decision's events onto a task loaded at (version, head), inside the caller's
 * transaction: the task's read model, its timers when the due date moved, and the
 * notifications the events cause, all sent with COMMIT. Shared by task actions and timers.
 */
export function appendToTask(
  tx: EventStoreTransaction,
  loaded: { task: TaskState; head: string },
  events: NewEvent[],
  ctx: CommandContext,
  context: { plan: PlanState; mesa: Mesa },
): { after: TaskState; notified: number } {
  const { task, head } = loaded;
  const appended = tx.stage({
    streamId: taskStreamId(task.id),
    streamType: 'task',
    expectedVersion: task.version,
    expectedHead: head,
    events: envelope(events, ctx),
  });
  const after = foldTask(appended.events, task)!;
  upsertTask(tx, after);
  if (after.dueDate !== task.dueDate) planTaskTimers(tx, task.id, after.dueDate);
  const told = appended.events.map((event) => ({ event, facts: taskFacts(event, after, context.plan, context.mesa) }));
  return { after, notified: recordNotifications(tx, told).notifications };
}
