/**
 * Fills a migrated database with valid history, fast: plans (and the tasks their presentation
 * creates) driven through the workflow by the domain's own deciders, each command's events
 * enveloped and hash-chained as the engine does, then written with COPY FROM STDIN in large
 * batches instead of one `govflow_append` call per command.
 *
 * What comes out is what the engine would have stored: every stream's chain verifies
 * (AuditService.verify), stream heads match, positions rise with versions, and the plans and
 * tasks read models hold each stream folded (so a rebuild changes nothing). Not written: the
 * notifications, outbox, timers and idempotency rows the command path would also have left,
 * so a benchmark against a seeded store is not disturbed by reminders and deliveries.
 *
 * The directory (institutions, tables, people) is created once per database through the real
 * directory commands. Nothing else may write events while a seed runs: the seeder predicts the
 * positions the identity column hands out (tasks record the plan event that caused them) and
 * checks the prediction at the end.
 */
import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import {
  ACTION_PLAN_V1,
  Actor,
  Mesa,
  NewEvent,
  PlanAction,
  PlanActionCommand,
  PlanContent,
  PlanState,
  TaskActionCommand,
  TaskRecordedEvent,
  TaskState,
  decideAction,
  decideEdit,
  decideTask,
  evolveTask,
  formatDefinitionRef,
  openPlan,
  taskStreamId,
  tasksForImplementation,
} from '@govflow/domain';
import { BOOTSTRAP_ADMIN, DirectoryCommands, DirectoryService } from '@govflow/directory';
import { CommandContext, EventStore, GENESIS_HASH_HEX, StoredEvent, chainHash, envelope } from '@govflow/event-store';
import { foldPlanFrom, planStreamId } from '@govflow/plans/plan.repository';

// ---------------------------------------------------------------------------------------
// COPY through `pg` (no pg-copy-streams): a query object that pg's client drives like its own
// ---------------------------------------------------------------------------------------

type Connection = { query(text: string): void; sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void };

/** The protocol messages pg hands to the active query; a COPY needs only a few of them. */
abstract class CopyQuery<T> {
  callback?: (error: Error | null, result?: T) => void;
  protected error: Error | null = null;
  protected rows = 0;

  constructor(readonly text: string) {}

  submit(connection: Connection): void {
    connection.query(this.text);
  }
  handleCommandComplete(msg: { text: string }): void {
    this.rows = Number(/\d+$/.exec(msg.text)?.[0] ?? 0);
  }
  handleError(error: Error): void {
    this.error = error;
  }
  handleReadyForQuery(): void {
    this.callback?.(this.error, this.result());
  }
  handleCopyInResponse(_connection: Connection): void {}
  handleCopyData(_msg: { chunk: Buffer }): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  protected abstract result(): T;
}

class CopyIn extends CopyQuery<number> {
  constructor(
    text: string,
    private readonly data: string,
  ) {
    super(text);
  }
  override handleCopyInResponse(connection: Connection): void {
    const bytes = Buffer.from(this.data, 'utf8');
    const chunk = 1 << 20;
    for (let at = 0; at < bytes.length; at += chunk) connection.sendCopyFromChunk(bytes.subarray(at, at + chunk));
    connection.endCopyFrom();
  }
  protected result(): number {
    return this.rows;
  }
}

class CopyOut extends CopyQuery<{ rows: number; bytes: number }> {
  private bytes = 0;
  override handleCopyData(msg: { chunk: Buffer }): void {
    this.bytes += msg.chunk.length;
  }
  protected result() {
    return { rows: this.rows, bytes: this.bytes };
  }
}

function run<T>(client: PoolClient | { query: PoolClient['query'] }, query: CopyQuery<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => (error ? reject(error) : resolve(result as T));
    (client.query as unknown as (q: unknown) => void)(query);
  });
}

/** `COPY table (columns) FROM STDIN` with rows already in COPY text format; returns the row count. */
export const copyIn = (client: PoolClient, table: string, data: string): Promise<number> => run(client, new CopyIn(`COPY ${table} FROM STDIN`, data));

/** `COPY (select) TO STDOUT`, the rows read and dropped by the client: the fastest way out of PostgreSQL. */
export const copyOut = (client: PoolClient, select: string): Promise<{ rows: number; bytes: number }> =>
  run(client, new CopyOut(`COPY (${select}) TO STDOUT`));

/** A value in COPY text format: JSON never holds raw tabs or newlines, so only backslashes need doubling. */
const text = (value: string): string => (value.includes('\\') ? value.replace(/\\/g, '\\\\') : value);
const json = (value: unknown): string => text(JSON.stringify(value));
const bytea = (hex: string): string => `\\\\x${hex}`;

// ---------------------------------------------------------------------------------------
// The directory the seeded plans live in
// ---------------------------------------------------------------------------------------

const MESAS: Omit<Mesa, 'name' | 'workflow'>[] = [
  { code: 'SEED-M1', coordinator: 'SEED-CO1', technicalReviewer: 'SEED-GAE', members: ['SEED-E1', 'SEED-E2', 'SEED-E3'], invited: ['SEED-INV'] },
  { code: 'SEED-M2', coordinator: 'SEED-CO2', technicalReviewer: 'SEED-GAE', members: ['SEED-E3', 'SEED-E4', 'SEED-E5'], invited: ['SEED-INV'] },
  { code: 'SEED-M3', coordinator: 'SEED-CO1', technicalReviewer: 'SEED-GAE', members: ['SEED-E2', 'SEED-E4', 'SEED-E6'], invited: [] },
];
const ENTITIES = ['SEED-CO1', 'SEED-CO2', 'SEED-GAE', 'SEED-E1', 'SEED-E2', 'SEED-E3', 'SEED-E4', 'SEED-E5', 'SEED-E6', 'SEED-INV'];
const OFFICIALS_PER_ENTITY = 2;

export interface SeedDirectory {
  mesas: Mesa[];
  /** Officials by institution code. */
  officials: Map<string, Actor[]>;
}

/** The seed's institutions, tables and officials, created through the directory commands the first time. */
export async function seedDirectory(pool: Pool): Promise<SeedDirectory> {
  const directory = new DirectoryService(pool);
  const existing = await directory.findMesa(MESAS[0].code);
  if (!existing) {
    const commands = new DirectoryCommands(new EventStore(pool), directory);
    const ctx = (): CommandContext => ({ actor: BOOTSTRAP_ADMIN, now: new Date().toISOString(), commandId: randomUUID(), correlationId: 'seed' });
    for (const code of ENTITIES) await commands.registerEntity({ code, name: `Institución ${code}` }, ctx());
    for (const m of MESAS) await commands.createMesa({ ...m, name: `Mesa ${m.code}`, workflow: 'action-plan' }, ctx());
    for (const entity of ENTITIES) {
      for (let i = 1; i <= OFFICIALS_PER_ENTITY; i++) {
        await commands.createActor({ name: `Funcionario ${i} de ${entity}`, entity, roles: ['official'] }, ctx());
      }
    }
  }
  const mesas = (await directory.listMesas()).filter((m) => m.code.startsWith('SEED-'));
  const { rows } = await pool.query<Actor>(`SELECT id, name, entity, roles FROM actors WHERE entity LIKE 'SEED-%' ORDER BY name`);
  const officials = new Map<string, Actor[]>();
  for (const actor of rows) officials.set(actor.entity!, [...(officials.get(actor.entity!) ?? []), actor]);
  return { mesas, officials };
}

// ---------------------------------------------------------------------------------------
// Writing: events, stream heads and read models, in COPY batches
// ---------------------------------------------------------------------------------------

const EVENT_COLUMNS = 'events (stream_id, stream_version, type, data, metadata, recorded_at, prev_hash, hash)';
const BATCH_EVENTS = 25_000;

interface Head {
  type: string;
  version: number;
  hash: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Hands out positions and versions, chains hashes, and streams event rows to PostgreSQL: one
 * COPY (one transaction) per batch, the next batch generated while the previous one loads.
 */
class EventWriter {
  private lines: string[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();
  readonly heads = new Map<string, Head>();
  written = 0;

  constructor(
    /** Events, heads and read models all go through this one connection, in order. */
    readonly client: PoolClient,
    private nextPosition: bigint,
  ) {}

  /** Appends one command's events to a stream (as EventStoreTransaction.append would); returns them as stored. */
  append(streamId: string, streamType: string, events: NewEvent[], ctx: CommandContext, workflow?: string): StoredEvent[] {
    const head = this.heads.get(streamId);
    let prev = head?.hash ?? GENESIS_HASH_HEX;
    let version = head?.version ?? 0;
    const stored = envelope(events, ctx, workflow).map((event) => {
      version++;
      const hash = chainHash(prev, { streamId, version, ...event });
      const row: StoredEvent = { position: String(this.nextPosition++), streamId, version, ...event, prevHash: prev, hash };
      this.lines.push(
        `${streamId}\t${version}\t${event.type}\t${json(event.data)}\t${json(event.metadata)}\t${event.recordedAt}\t${bytea(prev)}\t${bytea(hash)}\n`,
      );
      prev = hash;
      return row;
    });
    this.heads.set(streamId, { type: streamType, version, hash: prev, createdAt: head?.createdAt ?? ctx.now, updatedAt: ctx.now });
    this.written += stored.length;
    return stored;
  }

  get full(): boolean {
    return this.lines.length >= BATCH_EVENTS;
  }

  /** Starts loading the batch so far once the previous one has loaded. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.lines.length === 0) return;
    const data = this.lines.join('');
    this.lines = [];
    this.inFlight = copyIn(this.client, EVENT_COLUMNS, data);
  }

  /** Loads what is left, then the stream heads; checks that the positions came out as predicted. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
    const rows: string[] = [];
    for (const [id, h] of this.heads) rows.push(`${id}\t${h.type}\t${h.version}\t${bytea(h.hash)}\t${h.createdAt}\t${h.updatedAt}\n`);
    if (rows.length > 0) await copyIn(this.client, 'streams (stream_id, stream_type, version, head_hash, created_at, updated_at)', rows.join(''));
    const last = await lastPosition(this.client);
    if (last !== this.nextPosition - 1n) {
      throw new Error(`seed: events got positions up to ${last}, expected ${this.nextPosition - 1n}: something else wrote events during the seed`);
    }
  }
}

async function lastPosition(client: PoolClient): Promise<bigint> {
  const { rows } = await client.query(`SELECT pg_sequence_last_value(pg_get_serial_sequence('events', 'position'))::text AS last`);
  return BigInt(rows[0].last ?? 0);
}

async function writeReadModels(client: PoolClient, plans: PlanState[], tasks: TaskState[]): Promise<void> {
  const planRows = plans.map(
    (p) => `${p.id}\t${p.mesa}\t${p.status}\t${p.version}\t${p.revision}\t${text(p.content.title)}\t${p.drafter}\t${json(p)}\t${p.createdAt}\t${p.updatedAt}\n`,
  );
  const taskRows = tasks.map(
    (t) => `${t.id}\t${t.planId}\t${t.mesa}\t${t.entity}\t${t.status}\t${t.dueDate}\t${t.version}\t${json(t)}\t${t.createdAt}\t${t.updatedAt}\n`,
  );
  for (let at = 0; at < planRows.length; at += BATCH_EVENTS) {
    await copyIn(client, 'plans (id, mesa, status, version, revision, title, drafter, state, created_at, updated_at)', planRows.slice(at, at + BATCH_EVENTS).join(''));
  }
  for (let at = 0; at < taskRows.length; at += BATCH_EVENTS) {
    await copyIn(client, 'tasks (id, plan_id, mesa, entity, status, due_date, version, state, created_at, updated_at)', taskRows.slice(at, at + BATCH_EVENTS).join(''));
  }
}

// ---------------------------------------------------------------------------------------
// Simulating the workflow
// ---------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so a seed's shape is the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OBJECTIVES = [
  'Fortalecer la transparencia en la gestión de compras públicas mediante datos abiertos y participación ciudadana',
  'Mejorar el acceso a la información ambiental y la rendición de cuentas de las instituciones responsables',
  'Ampliar la participación de la sociedad civil en el seguimiento de los servicios de salud en el territorio',
  'Publicar los beneficiarios finales de las empresas contratistas del Estado en formato reutilizable',
];

/** Moves a plan through the workflow one command at a time, deciding with the domain's deciders. */
class PlanRun {
  state!: PlanState;
  private cycle = 0;
  private editsLeft: number;
  private reviewsLeft: number;
  private returnsLeft: number;
  private tasks: { state: TaskState }[] = [];
  done = false;

  constructor(
    private readonly sim: Simulation,
    readonly mesa: Mesa,
    /** `long`: cycles review and return forever, never reaching implementation. */
    private readonly long = false,
  ) {
    const r = sim.rng;
    this.editsLeft = Math.floor(r() * 4);
    this.reviewsLeft = Math.floor(r() * 4);
    this.returnsLeft = r() < 0.2 ? 1 : 0;
  }

  private official(entity: string, which = 0): Actor {
    const list = this.sim.directory.officials.get(entity)!;
    return list[which % list.length];
  }

  private content(): PlanContent {
    const r = this.sim.rng;
    const members = this.mesa.members;
    const commitments = Array.from({ length: 2 + Math.floor(r() * 2) }, (_, i) => {
      const lead = members[(i + this.cycle) % members.length];
      return {
        ref: `C${i + 1}`,
        title: `Compromiso ${i + 1}: datos abiertos y seguimiento ciudadano`,
        description: `Revisión ${this.cycle}: acciones concretas, responsables y plazos del compromiso ${i + 1}.`,
        leadEntity: lead,
        supportEntities: [members[(i + 1) % members.length]],
        milestones: Array.from({ length: 1 + Math.floor(r() * 2) }, (_, j) => ({
          ref: `H${j + 1}`,
          title: `Hito ${j + 1} del compromiso ${i + 1}`,
          dueDate: `2025-${String(1 + ((i + j + this.cycle) % 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`,
          ...(j === 1 ? { responsibleEntity: members[(i + 2) % members.length] } : {}),
        })),
      };
    });
    return { title: `Plan de acción ${this.mesa.code} ${this.sim.plansOpened}`, objective: `${OBJECTIVES[this.cycle % OBJECTIVES.length]} (versión ${this.cycle})`, commitments };
  }

  private record(events: NewEvent[], ctx: CommandContext): void {
    const stored = this.sim.writer.append(planStreamId(this.state.id), 'plan', events, ctx, formatDefinitionRef(this.state.definition));
    const before = this.state;
    this.state = foldPlanFrom(this.state, stored);
    if (before.status !== 'implementation' && this.state.status === 'implementation') {
      const causation = { ...ctx, causationId: stored[stored.length - 1].position };
      for (const task of tasksForImplementation(this.state)) {
        const created = this.sim.writer.append(taskStreamId(task.taskId), 'task', task.events, causation);
        this.tasks.push({ state: evolveTask(null, created[0] as TaskRecordedEvent) });
      }
    }
  }

  open(): void {
    const drafter = this.mesa.members[this.sim.plansOpened % this.mesa.members.length];
    const actor = this.official(drafter);
    const ctx = this.sim.command(actor);
    const planId = randomUUID();
    const events = openPlan(ACTION_PLAN_V1, planId, this.content(), { actor, mesa: this.mesa, now: ctx.now });
    const stored = this.sim.writer.append(planStreamId(planId), 'plan', events, ctx, formatDefinitionRef(ACTION_PLAN_V1));
    this.state = foldPlanFrom(null, stored)!;
    this.sim.plansOpened++;
  }

  private act(action: PlanAction, actor: Actor, extra: Partial<PlanActionCommand> = {}): void {
    const ctx = this.sim.command(actor);
    this.record(decideAction(ACTION_PLAN_V1, this.state, { action, ...extra }, { actor, mesa: this.mesa, now: ctx.now }), ctx);
  }

  /** One command: the next step a busy table would take on this plan. */
  step(): void {
    const r = this.sim.rng;
    const s = this.state;
    const drafter = this.official(s.drafter, this.cycle);
    const reviewer = this.official(this.mesa.technicalReviewer);
    const coordinator = this.official(this.mesa.coordinator);
    switch (s.status) {
      case 'draft': {
        if (!this.long && this.cycle === 0 && r() < 0.01) {
          this.act('withdraw', coordinator, { rationale: 'La mesa decidió no continuar con este plan.' });
          return;
        }
        if (this.editsLeft > 0) {
          this.editsLeft--;
          const ctx = this.sim.command(drafter);
          this.record(decideEdit(ACTION_PLAN_V1, s, this.content(), { actor: drafter, mesa: this.mesa, now: ctx.now }), ctx);
          return;
        }
        const responses = s.observations
          .filter((o) => o.response === undefined && (o.blocking || r() < 0.5))
          .map((o) => ({ observationId: o.id, response: `Atendida en la revisión ${s.revision + 1}: se ajustó ${o.commitmentRef ?? 'el plan'}.` }));
        this.act('submit', drafter, { responses });
        return;
      }
      case 'technical_review':
        if (this.long ? r() < 0.7 : this.reviewsLeft > 0) {
          this.reviewsLeft--;
          this.cycle++;
          this.editsLeft = this.long ? 1 + Math.floor(r() * 6) : Math.floor(r() * 3);
          const observations = Array.from({ length: 1 + Math.floor(r() * 2) }, (_, i) => ({
            text: `Precisar los indicadores y plazos (observación ${i + 1} de la revisión ${s.revision}).`,
            blocking: i === 0,
            ...(r() < 0.5 ? { commitmentRef: s.content.commitments[0].ref } : {}),
          }));
          this.act('request-changes', reviewer, { observations, rationale: 'El plan necesita ajustes antes de su aprobación.' });
        } else {
          this.act('approve', reviewer, { rationale: 'Cumple los criterios técnicos.' });
        }
        return;
      case 'endorsement':
      case 'presentation':
        if (this.long ? s.status === 'presentation' || r() < 0.5 : this.returnsLeft > 0) {
          this.returnsLeft--;
          this.cycle++;
          this.editsLeft = 1 + Math.floor(r() * 3);
          this.act('return', coordinator, { rationale: 'La mesa pidió revisar los compromisos.' });
        } else if (s.status === 'endorsement') {
          this.act('endorse', coordinator);
        } else {
          const taskIds = s.content.commitments.flatMap((c) => c.milestones.map(() => randomUUID()));
          this.act('record-presentation', coordinator, { taskIds, presentation: { date: '2024-06-14', forum: 'Sesión plenaria de la mesa' } });
        }
        return;
      case 'implementation': {
        const open = this.tasks.filter((t) => t.state.status !== 'validated' && t.state.status !== 'cancelled');
        if (open.length === 0) {
          this.act('complete', coordinator, { rationale: 'Todas las tareas fueron validadas.' });
          return;
        }
        this.stepTask(open[Math.floor(r() * open.length)]);
        return;
      }
      case 'completed':
      case 'withdrawn':
        this.done = true;
        return;
      default: {
        const unhandled: never = s.status;
        throw new Error(`unknown status ${String(unhandled)}`);
      }
    }
  }

  private stepTask(task: { state: TaskState }): void {
    const r = this.sim.rng;
    const t = task.state;
    const responsible = this.official(t.entity, 1);
    const validator = this.official(t.entity === t.leadEntity ? this.mesa.coordinator : t.leadEntity);
    let actor = responsible;
    let cmd: TaskActionCommand;
    switch (t.status) {
      case 'assigned':
      case 'returned':
        cmd = r() < 0.05 ? { action: 'block', reason: 'Falta el presupuesto asignado.' } : { action: 'start' };
        break;
      case 'blocked':
        cmd = { action: 'unblock' };
        break;
      case 'in_progress': {
        const reported = t.progress?.percent ?? 0;
        cmd =
          reported < 75 && r() < 0.75
            ? { action: 'report-progress', percent: Math.min(100, reported + 25), note: `Avance del ${reported + 25} % según el cronograma.` }
            : { action: 'deliver', evidence: [{ title: `Informe final de ${t.milestoneRef}`, url: `https://datos.example.org/evidencia/${t.id}` }] };
        break;
      }
      case 'delivered':
        actor = validator;
        cmd = r() < 0.15 ? { action: 'return', rationale: 'La evidencia no muestra el resultado comprometido.' } : { action: 'validate' };
        break;
      case 'validated':
      case 'cancelled':
        return;
      default: {
        const unhandled: never = t.status;
        throw new Error(`unknown task status ${String(unhandled)}`);
      }
    }
    const ctx = this.sim.command(actor);
    const events = decideTask(t, cmd, { actor, mesa: this.mesa, now: ctx.now });
    const stored = this.sim.writer.append(taskStreamId(t.id), 'task', events, ctx);
    task.state = stored.reduce<TaskState>((s, e) => evolveTask(s, e as TaskRecordedEvent), t);
  }

  get taskStates(): TaskState[] {
    return this.tasks.map((t) => t.state);
  }
}

/** The shared clock, generator and writer of one seed. */
class Simulation {
  readonly rng: () => number;
  plansOpened = 0;
  private clock: number;

  constructor(
    readonly directory: SeedDirectory,
    readonly writer: EventWriter,
    start: number,
    seed: number,
  ) {
    this.rng = random(seed);
    this.clock = start;
  }

  /** A new command by `actor`: the clock moves on by up to a minute per command. */
  command(actor: Actor): CommandContext {
    this.clock += 1 + Math.floor(this.rng() * 60_000);
    return { actor, now: new Date(this.clock).toISOString(), commandId: randomUUID(), correlationId: randomUUID() };
  }
}

async function startingPoint(client: PoolClient): Promise<{ position: bigint; clock: number }> {
  const { rows } = await client.query(`SELECT max(recorded_at) AS last FROM events`);
  const seeded = Date.parse('2023-01-02T08:00:00.000Z');
  return { position: (await lastPosition(client)) + 1n, clock: Math.max(seeded, rows[0].last ? (rows[0].last as Date).getTime() : 0) };
}

async function withSimulation<T>(dbUrl: string, seed: number, work: (sim: Simulation) => Promise<T>): Promise<T> {
  const pool = new Pool({ connectionString: dbUrl, max: 2 });
  try {
    const directory = await seedDirectory(pool);
    const client = await pool.connect();
    try {
      const start = await startingPoint(client);
      const sim = new Simulation(directory, new EventWriter(client, start.position), start.clock, seed);
      return await work(sim);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/**
 * Stores about `events` valid events (a few more: a command's events are never split): plans
 * of three tables moving through the workflow, 32 at a time, interleaved as a busy store's
 * would be, with the tasks their presentation creates. Returns how many plans were opened and
 * how many events were written (directory events included, the first time).
 */
export async function seedEvents(dbUrl: string, events: number, options: { seed?: number; concurrentPlans?: number } = {}): Promise<{ plans: number; events: number }> {
  return withSimulation(dbUrl, options.seed ?? 1, async (sim) => {
    const pool = new Pool({ connectionString: dbUrl, max: 1 });
    const before = Number((await pool.query(`SELECT count(*) AS n FROM events`)).rows[0].n);
    await pool.end();
    const active: PlanRun[] = [];
    const finished: PlanRun[] = [];
    const width = options.concurrentPlans ?? 32;
    let opened = 0;
    while (before + sim.writer.written < events) {
      if (active.length < width) {
        const run = new PlanRun(sim, sim.directory.mesas[opened % sim.directory.mesas.length]);
        run.open();
        opened++;
        active.push(run);
      } else {
        const at = Math.floor(sim.rng() * active.length);
        const run = active[at];
        run.step();
        if (run.done) finished.push(...active.splice(at, 1));
      }
      if (sim.writer.full) await sim.writer.flush();
    }
    await sim.writer.finish();
    const all = [...finished, ...active];
    await writeReadModels(
      sim.writer.client,
      all.map((r) => r.state),
      all.flatMap((r) => r.taskStates),
    );
    return { plans: opened, events: before + sim.writer.written };
  });
}

/**
 * One plan of exactly `events` events that never leaves the review loop: edits, submissions,
 * requested changes (its observations pile up), approvals, endorsements and returns.
 */
export async function seedLongPlan(dbUrl: string, events: number, options: { seed?: number } = {}): Promise<{ planId: string; events: number }> {
  return withSimulation(dbUrl, options.seed ?? 2, async (sim) => {
    const run = new PlanRun(sim, sim.directory.mesas[0], true);
    run.open();
    while (run.state.version < events) {
      run.step();
      if (sim.writer.full) await sim.writer.flush();
    }
    await sim.writer.finish();
    await writeReadModels(sim.writer.client, [run.state], []);
    return { planId: run.state.id, events: run.state.version };
  });
}
