import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { Actor, NotFound, PlanState, PlanStatus, ValidationFailed, isInstant, planProgress, taskStreamId } from '@govflow/domain';
import { toTaskView } from '@govflow/tasks';
import { foldTask, taskNotFound } from '../act-on-task/task-recording';
import { DirectoryService } from '@govflow/directory';
import { EventStore, PG_POOL } from '@govflow/event-store';
import { viewFor } from '../command-meta';
import { ProgressService } from '../progress/progress.service';
import { PlanView, toPlanView } from '../plan.view';
import { PlanRepository, definitionOf, foldPlanFrom, planNotFound, planStreamId } from '../plan.repository';

export interface PlanSummary {
  id: string;
  mesa: string;
  title: string;
  status: PlanState['status'];
  version: number;
  revision: number;
  drafter: string;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryEntry {
  position: string;
  version: number;
  type: string;
  at: string;
  actor: string;
  actorName?: string;
  entity: string | null;
  rationale: string | null;
  revision: number | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

const encodeCursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && isInstant(value[0]) && UUID.test(value[1])) {
      return value as [string, string];
    }
  } catch {
    // fall through
  }
  throw ValidationFailed.field('cursor', 'El cursor no es válido: use el «nextCursor» de la página anterior.', 'The cursor is not valid: use the previous page\'s "nextCursor".');
}

@Injectable()
export class PlanQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly progress: ProgressService,
  ) {}

  async list(filter: { mesa?: string; status?: string; limit?: number; cursor?: string }): Promise<{ items: PlanSummary[]; nextCursor: string | null }> {
    const limit = filter.limit ?? 50;
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;
    const { rows } = await this.pool.query(
      `SELECT id, mesa, title, status, version, revision, drafter, created_at, updated_at FROM plans
        WHERE ($1::text IS NULL OR mesa = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
        ORDER BY created_at, id LIMIT $5`,
      [filter.mesa ?? null, filter.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const items = page.map((r) => ({
      id: r.id,
      mesa: r.mesa,
      title: r.title,
      status: r.status,
      version: r.version,
      revision: r.revision,
      drafter: r.drafter,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    }));
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit ? encodeCursor(last.created_at.toISOString(), last.id) : null };
  }

  /** The plan from its events, with what the caller may do now. */
  async get(planId: string, actor: Actor, now: Date): Promise<PlanView> {
    const { state } = await this.plans.load(planId);
    const mesa = await this.directory.getMesa(state.mesa);
    const view = viewFor(definitionOf(state.definition), state, actor, mesa, now);
    return state.tasks.length > 0 ? { ...view, progress: await this.progress.forPlan(state, now) } : view;
  }

  /** The plan's own stream, oldest first, with who, why, on which revision, and the hashes. */
  async history(planId: string): Promise<HistoryEntry[]> {
    const events = await this.store.readStream(planStreamId(planId));
    if (events.length === 0) throw planNotFound(planId);
    return events.map((e) => ({
      position: e.position,
      version: e.version,
      type: e.type,
      at: e.recordedAt,
      actor: e.metadata.actorId,
      ...(e.metadata.actorName ? { actorName: e.metadata.actorName } : {}),
      entity: e.metadata.entity,
      rationale: e.metadata.rationale ?? null,
      revision: e.metadata.revision ?? null,
      data: e.data,
      prevHash: e.prevHash,
      hash: e.hash,
    }));
  }

  /** A task replayed from its events, at an instant (inclusive) or a version; 404 before it existed. */
  async taskStateAt(taskId: string, point: { at?: string; version?: number }) {
    const events = await this.store.readStream(taskStreamId(taskId));
    if (events.length === 0) throw taskNotFound(taskId);
    const head = events[events.length - 1].version;
    if (point.version && point.version > head) {
      throw new NotFound({ es: `La tarea ${taskId} no tiene la versión ${point.version}: va en la ${head}.`, en: `Task ${taskId} has no version ${point.version}: it is at version ${head}.` });
    }
    const upTo = events.filter((e) => (point.at ? e.recordedAt <= point.at : true) && (point.version ? e.version <= point.version : true));
    const task = foldTask(upTo);
    if (!task) throw new NotFound({ es: `La tarea ${taskId} no existía en ese momento.`, en: `Task ${taskId} did not exist at that point.` });
    return { ...toTaskView(task, point.at ? new Date(point.at) : new Date()), asOf: point };
  }

  /** A whole table as it was at an instant: every plan that existed then, with its tasks, replayed from the events. */
  async mesaStateAt(code: string, at: string) {
    const mesa = await this.directory.getMesa(code);
    // As a plan before it was opened: a table before it was created is not found then.
    const [created] = await this.store.readStream(`mesa-${code}`, { toVersion: 1 });
    if (created && created.recordedAt > new Date(at).toISOString()) {
      throw new NotFound({ es: `La mesa ${code} no existía en ese momento (se creó el ${created.recordedAt}).`, en: `Table ${code} did not exist then (it was created on ${created.recordedAt}).` });
    }
    const { rows } = await this.pool.query(`SELECT id FROM plans WHERE mesa = $1 AND created_at <= $2 ORDER BY created_at, id`, [code, at]);
    const plans = [];
    for (const { id } of rows) {
      const events = await this.store.readStream(planStreamId(id), { until: at });
      const state = foldPlanFrom(null, events);
      if (!state) continue;
      const tasks = [];
      for (const ref of state.tasks) {
        const task = foldTask(await this.store.readStream(taskStreamId(ref.taskId), { until: at }));
        if (task) tasks.push(toTaskView(task, new Date(at)));
      }
      plans.push({ ...toPlanView(state), taskStates: tasks, progress: planProgress(state, tasks, at.slice(0, 10)) });
    }
    return { mesa: mesa.code, name: mesa.name, at, plans };
  }

  /** The plan's current state name, from its read model (undefined for an unknown plan). */
  async statusOf(planId: string): Promise<PlanStatus | undefined> {
    const { rows } = await this.pool.query(`SELECT status FROM plans WHERE id = $1`, [planId]);
    return rows[0]?.status as PlanStatus | undefined;
  }

  /** Replayed from the events: every event recorded at or before `at`, or up to `version`. */
  async stateAt(planId: string, point: { at?: string; version?: number }): Promise<PlanView & { asOf: { at?: string; version?: number } }> {
    // An unknown plan is a 404 whatever the point asked for.
    const exists = await this.pool.query(`SELECT version FROM streams WHERE stream_id = $1`, [planStreamId(planId)]);
    if (exists.rowCount === 0) throw planNotFound(planId);
    const head: number = exists.rows[0].version;
    if (point.version && point.version > head) {
      throw new NotFound({ es: `El plan ${planId} no tiene la versión ${point.version}: va en la ${head}.`, en: `Plan ${planId} has no version ${point.version}: it is at version ${head}.` });
    }
    const state = await this.plans.loadAt(planId, point);
    return { ...toPlanView(state), asOf: point };
  }
}
