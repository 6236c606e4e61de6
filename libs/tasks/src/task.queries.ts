import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { NotFound, PENDING_TASK_STATUSES, TaskState, isPendingTask } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';
import { DONE_TASK_STATUSES } from './task.projection';

export interface TaskView {
  id: string;
  planId: string;
  mesa: string;
  commitmentRef: string;
  milestoneRef: string;
  title: string;
  entity: string;
  leadEntity: string;
  status: TaskState['status'];
  dueDate: string;
  overdue: boolean;
  progress?: TaskState['progress'];
  evidence?: TaskState['evidence'];
  blockReason?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  allowedActions?: string[];
}

export interface TaskFilter {
  entity?: string;
  mesa?: string;
  plan?: string;
  status?: string;
  overdue?: boolean;
}

/** Today's date (UTC) as YYYY-MM-DD: due dates are calendar dates. */
export const today = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

/** A task as clients see it, in a stable field order (jsonb does not keep the stored order). */
export function toTaskView(task: TaskState, now: Date = new Date()): TaskView {
  return {
    id: task.id,
    planId: task.planId,
    mesa: task.mesa,
    commitmentRef: task.commitmentRef,
    milestoneRef: task.milestoneRef,
    title: task.title,
    entity: task.entity,
    leadEntity: task.leadEntity,
    status: task.status,
    dueDate: task.dueDate,
    overdue: isPendingTask(task.status) && task.dueDate < today(now),
    ...(task.progress ? { progress: task.progress } : {}),
    ...(task.evidence ? { evidence: task.evidence } : {}),
    ...(task.blockReason ? { blockReason: task.blockReason } : {}),
    version: task.version,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
  };
}

@Injectable()
export class TaskQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(filter: TaskFilter, now: Date = new Date()): Promise<TaskView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.entity) add('entity = ?', filter.entity);
    if (filter.mesa) add('mesa = ?', filter.mesa);
    if (filter.plan) add('plan_id = ?', filter.plan);
    if (filter.status) add('status = ?', filter.status);
    if (filter.overdue !== undefined) {
      params.push(PENDING_TASK_STATUSES, today(now));
      const overdue = `(status = ANY($${params.length - 1}::text[]) AND due_date < $${params.length}::date)`;
      where.push(filter.overdue ? overdue : `NOT ${overdue}`);
    }
    const { rows } = await this.pool.query(
      `SELECT state FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY due_date, id LIMIT 1000`,
      params,
    );
    return rows.map((r) => toTaskView(r.state as TaskState, now));
  }

  async get(id: string, now: Date = new Date()): Promise<TaskView> {
    const { rows } = await this.pool.query(`SELECT state FROM tasks WHERE id = $1`, [id]);
    if (!rows[0]) throw new NotFound({ es: `No existe la tarea ${id}.`, en: `There is no task ${id}.` });
    return toTaskView(rows[0].state as TaskState, now);
  }

  /** Tasks of a plan that are neither validated nor cancelled. */
  async countOpen(planId: string): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE plan_id = $1 AND NOT (status = ANY($2::text[]))`, [
      planId,
      DONE_TASK_STATUSES,
    ]);
    return rows[0].n;
  }
}
