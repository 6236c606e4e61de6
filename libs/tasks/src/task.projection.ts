import { TaskState } from '@govflow/domain';
import { SqlWriter, preparedWrite } from '@govflow/event-store';

const UPSERT_TASK = preparedWrite(
  'govflow_upsert_task',
  `INSERT INTO tasks (id, plan_id, mesa, entity, status, due_date, version, state, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
   ON CONFLICT (id) DO UPDATE SET entity = EXCLUDED.entity, status = EXCLUDED.status, due_date = EXCLUDED.due_date,
     version = EXCLUDED.version, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
);

/** The task read model, written with the task's events (sent with the transaction's next statement or COMMIT). */
export function upsertTask(db: SqlWriter, task: TaskState): void {
  db.write(
    UPSERT_TASK,
    [task.id, task.planId, task.mesa, task.entity, task.status, task.dueDate, task.version, JSON.stringify(task), task.createdAt, task.updatedAt],
  );
}

/** Statuses that count as done when a plan is completed. */
export const DONE_TASK_STATUSES = ['validated', 'cancelled'] as const;
