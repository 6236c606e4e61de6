import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PlanState, TaskState, countTasks, planProgress } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { PG_POOL } from '@govflow/event-store';
import { today } from '@govflow/tasks';

/** Progress of plans and tables, derived from the plan and task read models (themselves rebuilt from events). */
@Injectable()
export class ProgressService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly directory: DirectoryService,
  ) {}

  async forPlan(plan: PlanState, now = new Date()) {
    const { rows } = await this.pool.query(`SELECT state FROM tasks WHERE plan_id = $1`, [plan.id]);
    return planProgress(plan, rows.map((r) => r.state as TaskState), today(now));
  }

  /** The table, its plans that reached implementation, and all its tasks. */
  private async implemented(code: string) {
    const mesa = await this.directory.getMesa(code);
    const plans = await this.pool.query(`SELECT state FROM plans WHERE mesa = $1 AND status IN ('implementation', 'completed') ORDER BY created_at, id`, [code]);
    const tasks = await this.pool.query(`SELECT state FROM tasks WHERE mesa = $1`, [code]);
    return { mesa, plans: plans.rows.map((r) => r.state as PlanState), tasks: tasks.rows.map((r) => r.state as TaskState) };
  }

  /** Open data: every plan of the table that reached implementation, with OGP's commitment fields. */
  async openData(code: string, now = new Date()) {
    const { mesa, plans, tasks } = await this.implemented(code);
    const day = today(now);
    return openDataOf(
      mesa,
      plans.map((plan) => ({ ...plan, progress: planProgress(plan, tasks.filter((t) => t.planId === plan.id), day) })),
    );
  }

  /** A table: every plan that reached implementation, and the totals. */
  async forMesa(code: string, now = new Date()) {
    const { mesa, plans, tasks } = await this.implemented(code);
    const day = today(now);
    return {
      mesa: mesa.code,
      name: mesa.name,
      ...countTasks(tasks, day),
      plans: plans.map((plan) => ({
        id: plan.id,
        title: plan.content.title,
        status: plan.status,
        ...planProgress(plan, tasks.filter((t) => t.planId === plan.id), day),
      })),
    };
  }
}

const CSV_COLUMNS = [
  'mesa',
  'plan_id',
  'plan_title',
  'plan_status',
  'commitment_ref',
  'commitment_title',
  'commitment_description',
  'lead_institution',
  'supporting_institutions',
  'start_date',
  'end_date',
  'commitment_completion',
  'milestone_ref',
  'milestone_title',
  'milestone_due_date',
  'responsible_institution',
  'milestone_status',
  'milestone_completion',
  'overdue',
] as const;

/** RFC 4180 field: quoted when needed, quotes doubled; a leading =+-@ is neutralised against spreadsheet formulas. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The OGP fields for commitments: lead and supporting institutions, dates, status, completion. */
export function openDataOf(mesa: { code: string; name: string }, plans: (PlanState & { progress: ReturnType<typeof planProgress> })[]) {
  return {
    mesa: mesa.code,
    name: mesa.name,
    plans: plans.map((plan) => ({
      id: plan.id,
      title: plan.content.title,
      objective: plan.content.objective,
      status: plan.status,
      presentedOn: plan.presentation?.date ?? null,
      completion: plan.progress.level,
      commitments: plan.content.commitments.map((c, i) => {
        const progress = plan.progress.commitments[i];
        const dates = c.milestones.map((m) => m.dueDate).sort();
        return {
          ref: c.ref,
          title: c.title,
          description: c.description ?? null,
          leadInstitution: c.leadEntity,
          supportingInstitutions: c.supportEntities ?? [],
          startDate: plan.presentation?.date ?? plan.createdAt.slice(0, 10),
          endDate: dates[dates.length - 1] ?? null,
          status: plan.status,
          completion: progress.level,
          milestones: progress.milestoneProgress,
        };
      }),
    })),
  };
}

export function openDataCsv(data: ReturnType<typeof openDataOf>): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const plan of data.plans) {
    for (const c of plan.commitments) {
      for (const m of c.milestones) {
        lines.push(
          [
            data.mesa,
            plan.id,
            plan.title,
            plan.status,
            c.ref,
            c.title,
            c.description,
            c.leadInstitution,
            c.supportingInstitutions.join(';'),
            c.startDate,
            c.endDate,
            c.completion,
            m.ref,
            m.title,
            m.dueDate,
            m.entity,
            m.status,
            m.level,
            m.overdue,
          ]
            .map(csvField)
            .join(','),
        );
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
