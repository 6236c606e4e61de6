/**
 * The HTTP command path, driven from outside: the API runs in a child process of its own (so
 * the load generator never shares its event loop), a table with its actors is registered over
 * HTTP, plans are opened, and submit / approve are sent with autocannon, each request to a
 * plan of its own. Also the no-I/O endpoint (same app, same guard, pipe, filter and logger),
 * a bare Nest app on Express or Fastify, and pgbench's one-row INSERT baseline.
 *
 * Run as a script (by startApi, never by hand) this file is the child: it serves the app named
 * by BENCH_SERVE and reports its port over IPC.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { Body, Controller, DynamicModule, Get, HttpCode, INestApplication, Module, Param, Post } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, LoggerModule } from 'nestjs-pino';
import { Client, Pool } from 'pg';
import { Actor } from '@govflow/domain';
import { loadConfig } from '@govflow/config';
import { DirectoryService, TokenResolver } from '@govflow/directory';
import { ACTOR_RESOLVER, AuthGuard, BodyErrorInterceptor, CurrentActor, DtoPipe, ProblemFilter, requireUuid } from '@govflow/http';
import { ROOT, percentile, pgbench, preparePgbenchInsert } from './harness';

// autocannon 9 ships no types; this is the part of its programmatic API used here.
interface AutocannonRequest {
  setupRequest?: (req: Record<string, unknown>, context: unknown) => Record<string, unknown>;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type AutocannonRun = Promise<AutocannonResult> & { on(event: 'response', listener: () => void): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: (opts: Record<string, unknown>) => AutocannonRun = require('autocannon');

export const CONNECTIONS = 32;
export const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;

/* ------------------------------------------------------------------ the child: what it serves */

export type Served = 'api' | 'bare-express' | 'bare-fastify';

/** Counts PostgreSQL round trips by statement (BENCH_TRACE_QUERIES=1 only). */
const trace = new Map<string, { count: number; ms: number }>();
function traceQueries(): void {
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  (Client.prototype as { query: unknown }).query = function (this: Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    // Literals folded, so statements sent as text (simple protocol) are counted as one.
    const text = (typeof first === 'string' ? first : (first?.text ?? '?'))
      .replace(/'(?:[^']|'')*'/g, '?')
      .replace(/\b\d+\b/g, '?')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 90);
    const started = performance.now();
    const done = () => {
      const entry = trace.get(text) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += performance.now() - started;
      trace.set(text, entry);
    };
    // pg.Pool#query hands the client a callback; everything else gets a promise back.
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (...results: unknown[]) => {
        done();
        return (last as (...r: unknown[]) => unknown)(...results);
      };
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    return result;
  };
}

/** Does no I/O: the guard (cached token), pipe, filter and logger around a handler that only answers. */
@Controller('v1/bench')
export class NoIoController {
  @Post(':id/actions/:action')
  @HttpCode(200)
  act(@Param('id') id: string, @Param('action') action: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return { id: requireUuid(id, { es: 'el plan', en: 'plan' }), action, actor: actor.id, entity: actor.entity, body: body ?? null };
  }

  /** The round trips counted since the last call (empty unless BENCH_TRACE_QUERIES=1). */
  @Get('trace')
  trace() {
    const out = Object.fromEntries(trace);
    trace.clear();
    return out;
  }
}

@Module({})
class BareModule {}

/**
 * A bare Nest app around the same controller, with the API's guard (its TokenResolver and
 * DirectoryService, whose cache holds the token, as it does after the API's first request),
 * pipe, filter, interceptor and the same pino-http settings; no database, no Swagger, no
 * queue dashboard. It runs unchanged on Express and on Fastify.
 */
function bareModule(level: string): DynamicModule {
  const actor = { id: randomUUID(), name: 'Bench', entity: 'BENCH', roles: ['official'] };
  const pool = { query: async () => ({ rows: [actor] }) } as unknown as Pool;
  return {
    module: BareModule,
    imports: [
      LoggerModule.forRoot({
        pinoHttp: {
          level,
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'],
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customProps: (req) => ({ correlationId: (req as { id?: string }).id }),
        },
      }),
    ],
    controllers: [NoIoController],
    providers: [
      { provide: ACTOR_RESOLVER, useValue: new TokenResolver(new DirectoryService(pool), ADMIN_TOKEN) },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_INTERCEPTOR, useClass: BodyErrorInterceptor },
      { provide: APP_FILTER, useClass: ProblemFilter },
      { provide: APP_PIPE, useClass: DtoPipe },
    ],
  };
}

async function serve(): Promise<void> {
  const served = (process.env.BENCH_SERVE ?? 'api') as Served;
  if (process.env.BENCH_TRACE_QUERIES === '1') traceQueries();
  const config = loadConfig(process.env);
  let app: INestApplication;
  if (served === 'api') {
    const { createApiApp } = await import('../apps/api/src/app.factory');
    app = await createApiApp(config, config.databaseUrl!, { controllers: [NoIoController] });
  } else if (served === 'bare-express') {
    const express = await NestFactory.create<NestExpressApplication>(bareModule(config.logLevel), { bufferLogs: true });
    express.disable('x-powered-by');
    express.set('etag', false);
    app = express;
  } else {
    app = await NestFactory.create<NestFastifyApplication>(bareModule(config.logLevel), new FastifyAdapter(), { bufferLogs: true });
  }
  app.useLogger(app.get(Logger));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const profiler = new Session();
  process.on('message', async (message: string | { profileTo: string }) => {
    if (message === 'stop') {
      await app.close().catch(() => undefined);
      process.exit(0);
    } else if (message === 'profile') {
      // V8's CPU profiler (what --cpu-prof uses), started after boot so start-up is left out.
      profiler.connect();
      await new Promise((ok) => profiler.post('Profiler.enable', () => profiler.post('Profiler.start', ok)));
      process.send!('profiling');
    } else if (typeof message === 'object') {
      profiler.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(message.profileTo, JSON.stringify(result.profile));
        profiler.disconnect();
        process.send!('profiled');
      });
    }
  });
  process.send!({ port });
}

/* ------------------------------------------------------------------ the parent: driving it */

export interface ApiProcess {
  served: Served;
  base: string;
  child: ChildProcess;
  /** V8's CPU profiler in the child, from now until stopProfile writes a .cpuprofile. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  dbUrl?: string;
  redisUrl?: string;
  queuePrefix?: string;
  /** pino level; `info` (the production default) writes one line per request to the child's stdout (/dev/null). */
  logLevel?: string;
  traceQueries?: boolean;
}

export async function startApi(served: Served, options: StartOptions = {}): Promise<ApiProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_SERVE: served,
    GOVFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: options.logLevel ?? 'info',
    LOG_FORMAT: 'json',
    GOVFLOW_SEED: 'none',
    GOVFLOW_CHECKPOINT_MINUTES: '0',
    GOVFLOW_DATA_DIR: join(ROOT, '.data/bench-api'),
    BENCH_TRACE_QUERIES: options.traceQueries ? '1' : '0',
  };
  if (options.dbUrl) env.DATABASE_URL = options.dbUrl;
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  else delete env.REDIS_URL;
  if (options.queuePrefix) env.GOVFLOW_QUEUE_PREFIX = options.queuePrefix;
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), __filename], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the ${served} child exited (${code}) before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = (expected: string) => new Promise<void>((ok) => child.once('message', (m) => m === expected && ok()));
  return {
    served,
    base: `http://127.0.0.1:${port}`,
    child,
    startProfile: async () => {
      const started = reply('profiling');
      child.send('profile');
      await started;
    },
    stopProfile: async (file: string) => {
      const written = reply('profiled');
      child.send({ profileTo: file });
      await written;
    },
    stop: async () => {
      if (child.exitCode === null) child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface BenchTable {
  mesa: string;
  members: string[];
  /** A drafter (member official) and the reviewer's official. */
  drafter: string;
  reviewer: string;
}

/**
 * Institutions (each with a webhook channel, so every notification goes through the outbox
 * and the relay to Redis, as in production; no worker runs, so nothing is delivered), a table
 * and two officials, registered over HTTP by the bootstrap admin.
 */
export async function seedTable(api: ApiProcess, tag = randomUUID().slice(0, 6).toUpperCase()): Promise<BenchTable> {
  const codes = ['C', 'R', 'M1', 'M2'].map((c) => `B${tag}${c}`);
  for (const code of codes) {
    await call(api.base, 'POST', '/v1/entities', ADMIN_TOKEN, { code, name: `Institución ${code}` });
    await call(api.base, 'PUT', `/v1/entities/${code}/channels`, ADMIN_TOKEN, {
      webhook: { url: 'http://127.0.0.1:9/hook', secret: 'bench-secret-0123456789' },
    });
  }
  const [coordinator, reviewer, m1, m2] = codes;
  const mesa = `MESA-${tag}`;
  await call(api.base, 'POST', '/v1/mesas', ADMIN_TOKEN, { code: mesa, name: `Mesa ${mesa}`, coordinator, technicalReviewer: reviewer, members: [m1, m2] });
  const official = async (entity: string) => (await call(api.base, 'POST', '/v1/actors', ADMIN_TOKEN, { name: `Persona de ${entity}`, entity, roles: ['official'] })).token as string;
  return { mesa, members: [m1, m2], drafter: await official(m1), reviewer: await official(reviewer) };
}

export function planBody(table: BenchTable): unknown {
  const [m1, m2] = table.members;
  return {
    mesa: table.mesa,
    title: 'Plan de acción de carga',
    objective: 'Medir el camino de un comando.',
    commitments: [
      {
        ref: 'C1',
        title: 'Gobierno digital',
        leadEntity: m1,
        milestones: [
          { ref: 'H1', title: 'Catálogo de trámites', dueDate: '2027-03-31' },
          { ref: 'H2', title: 'Ventanilla única', dueDate: '2027-09-30', responsibleEntity: m2 },
        ],
      },
    ],
  };
}

export interface Call {
  method: 'POST';
  path: string;
  token: string;
  body: string;
}

export interface Volley {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** non-2xx answers, socket errors and timeouts. */
  failed: number;
  statuses: Record<string, number>;
}

/**
 * Sends every call once, each on the next free one of `connections` keep-alive connections
 * (autocannon with `amount`), optionally limited to `overallRate` per second.
 */
export async function volley(
  base: string,
  calls: Call[],
  options: { connections?: number; overallRate?: number; onBody?: (status: number, body: string) => void } = {},
): Promise<Volley> {
  const connections = Math.min(options.connections ?? CONNECTIONS, calls.length);
  let next = 0;
  const started = performance.now();
  const run = autocannon({
    url: base,
    connections,
    amount: calls.length,
    // autocannon's coordinated-omission correction assumes an interval of ceil(1 / rate) ms
    // (1 ms at any rate above 1/s) and would invent samples; latencies are taken as measured.
    ...(options.overallRate ? { overallRate: Math.max(connections, Math.round(options.overallRate)), ignoreCoordinatedOmission: true } : {}),
    timeout: 30,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const c = calls[next++];
          return { ...req, method: c.method, path: c.path, body: c.body, headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' } };
        },
        ...(options.onBody ? { onResponse: options.onBody } : {}),
      } satisfies AutocannonRequest,
    ],
  });
  // autocannon resolves on its next one-second sampling tick, not at the last response.
  let last = started;
  run.on('response', () => (last = performance.now()));
  const result = await run;
  const seconds = (last - started) / 1000;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]));
  return {
    count: calls.length,
    seconds,
    perSecond: (calls.length - result.non2xx - result.errors) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    statuses,
  };
}

/**
 * Open-loop: call i is due at i / rate seconds and goes out on the next free one of
 * `connections` keep-alive sockets; its latency runs from when it was due, so time spent
 * waiting for a socket counts (no coordinated omission).
 */
export async function paced(base: string, calls: Call[], rate: number, connections = CONNECTIONS): Promise<Volley> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(base);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  const interval = 1000 / rate;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  const fire = (i: number) => {
    const due = started + i * interval;
    const c = calls[i];
    pending.push(
      new Promise<void>((resolve) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: c.method, path: c.path, agent, headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(c.body) } },
          (res) => {
            res.resume();
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (status >= 200 && status < 300) latencies.push(performance.now() - due);
              else failed++;
              resolve();
            });
          },
        );
        req.on('error', () => {
          failed++;
          resolve();
        });
        req.end(c.body);
      }),
    );
  };
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < calls.length && started + i * interval <= now) fire(i++);
      if (i < calls.length) setTimeout(tick, Math.max(0, started + i * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  return { count: calls.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed, statuses };
}

const post = (path: string, token: string, body: unknown = {}): Call => ({ method: 'POST', path, token, body: JSON.stringify(body) });

/**
 * Keeps a supply of plans so that every measured request acts on a plan of its own: a phase
 * submits fresh drafts and approves the plans the previous phase submitted, alternating.
 */
export class CommandPath {
  private awaitingApproval: string[] = [];

  constructor(
    readonly api: ApiProcess,
    readonly table: BenchTable,
  ) {}

  static async prepare(api: ApiProcess): Promise<CommandPath> {
    return new CommandPath(api, await seedTable(api));
  }

  /** Opens `n` drafts over HTTP (32 connections; not measured). */
  async open(n: number): Promise<string[]> {
    const ids: string[] = [];
    const body = planBody(this.table);
    const result = await volley(
      this.api.base,
      Array.from({ length: n }, () => post('/v1/plans', this.table.drafter, body)),
      { onBody: (status, text) => status === 201 && ids.push(JSON.parse(text).id) },
    );
    if (result.failed > 0 || ids.length !== n) throw new Error(`opening ${n} plans: ${JSON.stringify(result.statuses)}`);
    return ids;
  }

  /** Submits `n` fresh drafts without measuring, so the next phase has plans to approve. */
  async warm(n: number): Promise<Volley> {
    const drafts = await this.open(n);
    const result = await volley(this.api.base, drafts.map((id) => this.submitCall(id)));
    if (result.failed > 0) throw new Error(`warm-up submits: ${JSON.stringify(result.statuses)}`);
    this.awaitingApproval.push(...drafts);
    return result;
  }

  /**
   * `2n` commands, submit and approve alternating, each on a distinct plan: at full speed, at
   * `rate` with autocannon's overallRate, or `paced` (open loop, evenly spaced).
   */
  async phase(n: number, mode: { rate?: number; paced?: boolean; drafts?: string[] } = {}): Promise<Volley> {
    if (this.awaitingApproval.length < n) await this.warm(n - this.awaitingApproval.length);
    const drafts = mode.drafts ?? (await this.open(n));
    const approvals = this.awaitingApproval.splice(0, n);
    const calls = drafts.flatMap((draft, i) => [this.submitCall(draft), post(`/v1/plans/${approvals[i]}/actions/approve`, this.table.reviewer, { rationale: 'Cumple' })]);
    const result = mode.paced ? await paced(this.api.base, calls, mode.rate!) : await volley(this.api.base, calls, { overallRate: mode.rate });
    this.awaitingApproval.push(...drafts);
    return result;
  }

  /** The no-I/O endpoint on the same app: `n` requests shaped like a command. */
  async noIo(n: number): Promise<Volley> {
    return noIo(this.api, this.table.drafter, n);
  }

  private submitCall(id: string): Call {
    return post(`/v1/plans/${id}/actions/submit`, this.table.drafter);
  }

  async trace(): Promise<Record<string, { count: number; ms: number }>> {
    const res = await fetch(`${this.api.base}/v1/bench/trace`, { headers: { authorization: `Bearer ${this.table.drafter}` } });
    return (await res.json()) as Record<string, { count: number; ms: number }>;
  }
}

/** `n` POSTs to the no-I/O endpoint at full speed. */
export async function noIo(api: ApiProcess, token: string, n: number): Promise<Volley> {
  const id = randomUUID();
  return volley(api.base, Array.from({ length: n }, () => post(`/v1/bench/${id}/actions/submit`, token, { rationale: 'Cumple' })));
}

/**
 * pgbench: one-row INSERT transactions into a table shaped like `events` (same columns,
 * constraints and indexes; a new stream id per row), 16 clients. Returns TPS.
 */
export async function pgbenchInsert(dbUrl: string, seconds: number, clients = 16): Promise<number> {
  const { script } = await preparePgbenchInsert(dbUrl, {
    type: 'plan.submitted',
    data: { rationale: 'Cumple los criterios', revision: 1 },
    metadata: { actor: '3f1c2d4e-0000-4000-8000-000000000000', entity: 'MINFIN', commandId: 'a', correlationId: 'b', workflow: 'action-plan@1' },
  });
  return pgbench(dbUrl, script, { clients, seconds });
}

if (require.main === module) {
  serve().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * Where a --cpu-prof profile's samples fall: self time by package (node_modules/<pkg>, a
 * govflow lib, node's internals, GC, idle) and the hottest functions.
 */
export function summarizeProfile(file: string, top = 12): string[] {
  interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groupOf = (node: ProfileNode): string => {
    const { url, functionName } = node.callFrame;
    if (!url) return functionName.startsWith('(') ? functionName : `(${functionName || 'native'})`;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1];
    const own = /\/(libs|apps|bench)\/([^/]+)/.exec(url);
    if (own) return `govflow ${own[1]}/${own[2]}`;
    if (url.startsWith('node:')) return 'node internals';
    return url;
  };
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    const group = groupOf(node);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(ROOT + '/', '')}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const busy = total - (groups.get('(idle)') ?? 0);
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s sampled; self time by package (share of busy):`,
    ...sorted(groups).map(([k, us]) => `${pct(us)}  ${k}`),
    'hottest functions (self):',
    ...sorted(functions).map(([k, us]) => `${pct(us)}  ${k}`),
  ];
}
