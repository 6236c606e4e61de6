/**
 * Notifications end to end: committed command -> outbox -> relay -> BullMQ -> one worker
 * process -> signed webhook received on loopback (in its own process), side by side with a
 * bare BullMQ add-and-process loop on the same Redis. Prints figures; asserts nothing.
 *
 *   npm run bench:notifications -- [--notifications 16000] [--rate 1000] [--seconds 5]
 *
 * Uses DATABASE_URL's server (a fresh database is created and dropped) or embedded PostgreSQL,
 * and REDIS_URL (default redis://127.0.0.1:6379) under a prefix of its own.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { loadConfig } from '@govflow/config';
import { createDatabase, databaseUrl, dropDatabase, runMigrations, startEmbeddedPostgres } from '@govflow/database';
import { Actor } from '@govflow/domain';
import { BOOTSTRAP_ADMIN, DirectoryCommands } from '@govflow/directory';
import { ChannelsService, redisConnection } from '@govflow/notifications';
import { ActOnPlanCommand, CommandMeta, OpenPlanCommand } from '@govflow/plans';
import { createApiApp } from '../apps/api/src/app.factory';

const ROOT = join(__dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('notifications', 16000);
const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 5);
const MEMBERS = 15; // + coordinator = 16 institutions told of each withdrawal
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startReceiver(): Promise<{ child: ChildProcess; url: string; stats: (reset?: boolean) => Promise<any> }> {
  const child = spawn(process.execPath, [join(__dirname, 'webhook-receiver.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port: number = await new Promise((ok) => child.stdout!.once('data', (d) => ok(JSON.parse(String(d)).port)));
  const base = `http://127.0.0.1:${port}`;
  return { child, url: `${base}/hook`, stats: async (reset = false) => (await fetch(`${base}/${reset ? 'reset' : 'stats'}`)).json() };
}

/** Baseline: BullMQ alone, adding N jobs while one worker (same concurrency) processes them with a no-op. */
async function bareBullmq(redisUrl: string, prefix: string, n: number, concurrency: number): Promise<number> {
  const connection = redisConnection(redisUrl);
  const queue = new Queue('bare', { connection, prefix });
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((ok) => (finished = ok));
  const worker = new Worker('bare', async () => undefined, { connection, prefix, concurrency });
  worker.on('completed', () => ++done === n && finished());
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < n; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return n / seconds;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const stamp = Date.now();
  const prefix = `bench_${stamp}`;
  let serverUrl = process.env.DATABASE_URL;
  const embedded = serverUrl ? undefined : await startEmbeddedPostgres({ dataDir: join(ROOT, '.data/bench-postgres') });
  serverUrl ??= embedded!.url;
  const dbName = `govflow_bench_${stamp}`;
  await createDatabase(serverUrl, dbName);
  const dbUrl = databaseUrl(serverUrl, dbName);
  await runMigrations(dbUrl);
  const receiver = await startReceiver();
  const concurrency = arg('concurrency', 64);
  const env = { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: redisUrl, GOVFLOW_QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NOTIFY_CONCURRENCY: String(concurrency) };
  const config = { ...loadConfig(env), adminToken: 'bench-admin-token-0000', logLevel: 'silent' as const };
  const app = await createApiApp(config, dbUrl);
  await app.init();
  const profile = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, '.data/profiles')] : [];
  const startWorker = () => spawn(process.execPath, [...profile, '-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'apps/worker/src/main.ts')], { cwd: ROOT, env, stdio: 'inherit' });
  let worker = startWorker();

  try {
    // A table of 16 institutions, each with a webhook to the receiver.
    const directory = app.get(DirectoryCommands);
    const channels = app.get(ChannelsService);
    const ctx = () => ({ actor: BOOTSTRAP_ADMIN, now: new Date().toISOString(), commandId: randomUUID(), correlationId: 'bench' });
    const codes = ['COORD', 'REVIEW', ...Array.from({ length: MEMBERS - 1 }, (_, i) => `MEMBER${i + 1}`)];
    for (const code of codes) {
      await directory.registerEntity({ code, name: code }, ctx());
      await channels.set(code, { webhook: { url: receiver.url, secret: 'bench-secret-0123456789' } }, ctx());
    }
    await directory.createMesa({ code: 'BENCH', name: 'Mesa de prueba de carga', coordinator: 'COORD', technicalReviewer: 'REVIEW', members: codes.slice(2) }, ctx());
    const drafterActor = await directory.createActor({ name: 'Redactora', entity: 'MEMBER1', roles: ['official'] }, ctx());
    const coordinatorActor = await directory.createActor({ name: 'Coordinación', entity: 'COORD', roles: ['official'] }, ctx());
    const perCommand = codes.length; // coordinator, reviewer and members: all told of a withdrawal
    const bus = app.get(CommandBus);
    const meta = (actor: Actor): CommandMeta => ({ actor, now: new Date(), correlationId: 'bench', fingerprint: 'bench' });
    const content = {
      mesa: 'BENCH',
      title: 'Plan de carga',
      objective: 'Medir',
      commitments: [{ ref: 'C1', title: 'C', leadEntity: 'MEMBER1', milestones: [{ ref: 'H1', title: 'H', dueDate: '2027-01-31' }] }],
    };
    const openPlans = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 16) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(16, n - i) }, () => bus.execute(new OpenPlanCommand(content, meta(drafterActor)))),
        );
        ids.push(...batch.map((a) => a.body.id));
      }
      return ids;
    };
    const withdraw = (id: string) => bus.execute(new ActOnPlanCommand(id, 'withdraw', { rationale: 'prueba de carga' }, undefined, meta(coordinatorActor)));
    const waitFor = async (n: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await receiver.stats();
        if (s.unique >= n || Date.now() > deadline) return s;
        await sleep(20);
      }
    };

    console.log(`\nnotifications benchmark: ${TOTAL} notifications (${perCommand} per command), worker concurrency ${concurrency}`);
    const bareRate = await bareBullmq(redisUrl, prefix, TOTAL, concurrency);

    // Throughput: commit commands as fast as 16 in flight allow; time until the receiver has every notification.
    const commands = Math.ceil(TOTAL / perCommand);
    const plans = await openPlans(commands);
    await sleep(1000); // the worker is up and idle
    await receiver.stats(true);
    const started = Date.now();
    for (let i = 0; i < plans.length; i += 16) await Promise.all(plans.slice(i, i + 16).map(withdraw));
    const committed = Date.now();
    const expected = commands * perCommand;
    const s1 = await waitFor(expected, 120_000);
    const seconds = (s1.last - started) / 1000;
    const rate = s1.unique / seconds;

    // Drain: everything committed and enqueued first, then one worker starts: its own delivery rate.
    worker.kill('SIGTERM');
    await new Promise((ok) => worker.once('exit', ok));
    const drainPlans = await openPlans(commands);
    await receiver.stats(true);
    for (let i = 0; i < drainPlans.length; i += 16) await Promise.all(drainPlans.slice(i, i + 16).map(withdraw));
    const relayQueue = new Queue('govflow-notifications', { connection: redisConnection(redisUrl), prefix });
    for (let i = 0; i < 600 && (await relayQueue.getWaitingCount()) < expected; i++) await sleep(50);
    await relayQueue.close();
    worker = startWorker();
    const s3 = await waitFor(expected, 120_000);
    const drainRate = s3.unique / ((s3.last - s3.first) / 1000);

    // Latency at a fixed rate: commands paced to RATE notifications/s for SECONDS.
    const pacedCommands = Math.ceil((RATE * SECONDS) / perCommand);
    const paced = await openPlans(pacedCommands);
    await receiver.stats(true);
    const interval = (1000 * perCommand) / RATE;
    const t0 = Date.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < paced.length; i++) {
      const due = t0 + i * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      inflight.push(withdraw(paced[i]));
    }
    await Promise.all(inflight);
    const s2 = await waitFor(paced.length * perCommand, 60_000);

    const row = (k: string, v: string) => console.log(`  ${k.padEnd(58)} ${v}`);
    console.log('\n  measure'.padEnd(61) + 'figure');
    row('bare BullMQ add-and-process loop (jobs/s)', bareRate.toFixed(0));
    row('govflow: committed command -> webhook received (notifications/s)', rate.toFixed(0));
    row('  ratio govflow / bare BullMQ (target >= 0.5)', (rate / bareRate).toFixed(2));
    row('  commands committed (withdrawals/s)', (commands / ((committed - started) / 1000)).toFixed(0));
    row('  received / expected (unique)', `${s1.unique} / ${expected} (duplicates ${s1.received - s1.unique})`);
    row('one worker draining a committed backlog (notifications/s)', drainRate.toFixed(0));
    row('  ratio drain / bare BullMQ', (drainRate / bareRate).toFixed(2));
    row(`latency at ${RATE}/s for ${SECONDS}s: p50 / p99 / max commit-to-delivery (ms)`, `${s2.p50} / ${s2.p99} / ${s2.max}`);
    row('  received / expected', `${s2.unique} / ${paced.length * perCommand}`);
  } finally {
    worker.kill('SIGTERM');
    await app.close();
    receiver.child.kill();
    const cleanup = new Queue('govflow-notifications', { connection: redisConnection(redisUrl), prefix });
    await cleanup.obliterate({ force: true }).catch(() => undefined);
    await cleanup.close();
    await dropDatabase(serverUrl, dbName).catch(() => undefined);
    await embedded?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
