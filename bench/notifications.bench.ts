/**
 * Notifications end to end, side by side with a bare BullMQ add-and-process loop on the same
 * Redis (same concurrency, no-op processor). Real path: commands committed through the command
 * bus write outbox rows; the relay (in this process, as in the API) claims them and enqueues
 * BullMQ jobs; one worker process delivers signed webhooks to a receiver in its own process.
 *
 *   npm run bench:notifications -- [--runs 3] [--notifications 16000] [--rate 1000] [--seconds 5]
 *                                  [--concurrency 128] [--smoke] [--json FILE] [--cpu-prof]
 *
 * After an unmeasured warm-up of both sides, three measures per run (and, for context, the bare
 * loop again with the jobs the relay adds: jobId = outbox id costs BullMQ itself):
 *  - pipeline: the commands are committed first while the relay is paused; the clock starts when
 *    it resumes and stops at the last webhook received: outbox -> relay -> BullMQ -> worker ->
 *    receiver, the same add-and-process work as the baseline plus PostgreSQL and HTTP;
 *  - with commands: the clock starts at the first command and the commands (16 in flight) commit
 *    on the same two cores while the pipeline delivers;
 *  - latency: commands paced to --rate notifications/s for --seconds; commit-to-delivery.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, Worker } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { loadConfig } from '@govflow/config';
import { Actor } from '@govflow/domain';
import { BOOTSTRAP_ADMIN, DirectoryCommands } from '@govflow/directory';
import { ChannelsService, NOTIFICATION_QUEUE, OutboxRelay, redisConnection } from '@govflow/notifications';
import { ActOnPlanCommand, CommandMeta, OpenPlanCommand } from '@govflow/plans';
import { createApiApp } from '../apps/api/src/app.factory';
import { BenchRow, ROOT, benchArgs, benchDatabase, cpuByGroup, cpuPerOperation, report, row, runBench } from './harness';

const MEMBERS = 15; // + coordinator = 16 institutions told of each withdrawal
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ReceiverStats {
  received: number;
  unique: number;
  first: number;
  last: number;
  p50: number;
  p99: number;
  max: number;
}

async function startReceiver(): Promise<{ child: ChildProcess; url: string; stats: (reset?: boolean) => Promise<ReceiverStats> }> {
  const child = spawn(process.execPath, [join(__dirname, 'webhook-receiver.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port: number = await new Promise((ok) => child.stdout!.once('data', (d) => ok(JSON.parse(String(d)).port)));
  const base = `http://127.0.0.1:${port}`;
  return { child, url: `${base}/hook`, stats: async (reset = false) => (await fetch(`${base}/${reset ? 'reset' : 'stats'}`)).json() as Promise<ReceiverStats> };
}

/**
 * Baseline: BullMQ alone, adding n jobs (bulks of 500) while one worker at the same concurrency
 * processes them with a no-op. With `asRelay`, the same loop with the jobs the relay adds (named
 * queue, jobId = a UUID as the outbox id, removeOnFail): what those options cost BullMQ itself,
 * printed for context; the target stays against the bare loop.
 */
async function bareBullmq(redisUrl: string, prefix: string, n: number, concurrency: number, asRelay = false): Promise<number> {
  const connection = redisConnection(redisUrl);
  // A prefix of its own: the worker process consumes NOTIFICATION_QUEUE under `prefix`.
  const name = asRelay ? NOTIFICATION_QUEUE : 'bare';
  const keys = { connection, prefix: asRelay ? `${prefix}r` : prefix };
  const queue = new Queue(name, keys);
  const job = (i: number) => {
    if (!asRelay) return { name: 'noop', data: { i }, opts: { removeOnComplete: true } };
    const outboxId = randomUUID();
    return { name: 'deliver', data: { outboxId }, opts: { jobId: outboxId, removeOnComplete: true, removeOnFail: 1000 } };
  };
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((ok) => (finished = ok));
  const worker = new Worker(name, async () => undefined, { ...keys, concurrency });
  worker.on('completed', () => ++done === n && finished());
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < n; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, j) => job(i + j)));
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return n / seconds;
}

/**
 * The bare loop with its worker in a process of its own (bench/bare-worker.js), the queue here:
 * the topology of govflow's relay and worker without govflow. Context only; the target stays
 * against the one-process loop above. The child lives through the whole benchmark, so that it
 * is warmed up as govflow's worker is.
 */
async function startBareWorkerProcess(redisUrl: string, prefix: string, concurrency: number) {
  const name = 'bare-apart';
  const child = spawn(process.execPath, [join(__dirname, 'bare-worker.js'), redisUrl, prefix, name, String(concurrency)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((ok, fail) => {
    const onExit = () => fail(new Error('the bare worker process exited'));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      ok(line);
    });
  });
  if ((await next()) !== 'started') throw new Error('the bare worker process did not start');
  const queue = new Queue(name, { connection: redisConnection(redisUrl), prefix });
  return {
    pid: child.pid,
    async run(n: number): Promise<number> {
      child.stdin!.write(`expect ${n}\n`);
      if ((await next()) !== 'ready') throw new Error('the bare worker process is out of step');
      const done = next();
      const started = performance.now();
      for (let i = 0; i < n; i += 500) {
        await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
      }
      await done;
      return n / ((performance.now() - started) / 1000);
    },
    async close(): Promise<void> {
      child.stdin!.end();
      await new Promise((ok) => (child.exitCode === null ? child.once('exit', ok) : ok(null)));
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const total = args.number('notifications', args.smoke ? 320 : 16000);
  const rate = args.number('rate', args.smoke ? 200 : 1000);
  const seconds = args.number('seconds', args.smoke ? 1 : 5);
  const concurrency = args.number('concurrency', 128);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench_${Date.now()}`;
  const db = await benchDatabase('notifications');
  const receiver = await startReceiver();
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    GOVFLOW_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    NOTIFY_CONCURRENCY: String(concurrency),
    NOTIFY_WEBHOOK_CONNECTIONS: String(concurrency), // the 16 institutions share one receiver here
  };
  const config = { ...loadConfig(env), adminToken: 'bench-admin-token-0000', logLevel: 'silent' as const };
  const app = await createApiApp(config, db.url);
  await app.init();
  const profile = args.flag('cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, '.data/profiles')] : [];
  const worker = spawn(process.execPath, [...profile, '-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'apps/worker/src/main.ts')], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });

  let bareApart!: Awaited<ReturnType<typeof startBareWorkerProcess>>;
  try {
    // Nothing is measured while the worker process still compiles and connects: that would
    // slow the first run's bare loop, which shares the cores.
    const probe = new Queue(NOTIFICATION_QUEUE, { connection: redisConnection(redisUrl), prefix });
    for (const deadline = Date.now() + 60_000; (await probe.getWorkersCount()) === 0; await sleep(100)) {
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error('the worker process did not start');
    }
    await probe.close();
    bareApart = await startBareWorkerProcess(redisUrl, `${prefix}a`, concurrency);

    // A table of 16 institutions, each with a webhook to the receiver.
    const directory = app.get(DirectoryCommands);
    const channels = app.get(ChannelsService);
    const relay = app.get(OutboxRelay);
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
    const withdrawAll = async (ids: string[]) => {
      for (let i = 0; i < ids.length; i += 16) await Promise.all(ids.slice(i, i + 16).map(withdraw));
    };
    const waitFor = async (n: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await receiver.stats();
        if (s.unique >= n || Date.now() > deadline) return s;
        await sleep(20);
      }
    };
    const commands = Math.ceil(total / perCommand);
    const expected = commands * perCommand;
    const missing: string[] = [];
    const check = (what: string, s: ReceiverStats, n: number) => {
      if (s.unique < n) missing.push(`${what}: received ${s.unique} of ${n}`);
    };

    console.log(`notifications benchmark: ${expected} notifications (${perCommand} per command), one worker at concurrency ${concurrency}, ${args.runs} run(s)`);
    const bare: number[] = [];
    const asRelay: number[] = [];
    const apart: number[] = [];
    const pipeline: number[] = [];
    const withCommands: number[] = [];
    const committing: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    // Where the CPU goes, per notification, in each process of the path (Linux only).
    const cpu = () =>
      cpuByGroup({
        'worker process': (p) => p.pid === worker.pid || p.pid === bareApart.pid,
        'API process (relay; in the bare loop: queue and worker)': (p) => p.pid === process.pid,
        'webhook receiver': (p) => p.pid === receiver.child.pid,
        'PostgreSQL backends': (p) => p.cmdline.includes(db.name),
        Redis: (p) => p.comm === 'redis-server',
      });
    // Each run's CPU per notification, by process; the note gives the median of the runs.
    const cpuRuns: Record<'bare BullMQ loop' | 'bare loop, worker in its own process' | 'govflow pipeline', Record<string, number>[]> = {
      'bare BullMQ loop': [],
      'bare loop, worker in its own process': [],
      'govflow pipeline': [],
    };
    const describeCpu = (what: keyof typeof cpuRuns) => {
      const runs = cpuRuns[what];
      const middle = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const parts = Object.keys(runs[0] ?? {})
        .map((g) => [g, middle(runs.map((r) => r[g]))] as const)
        .filter(([, us]) => us > 0.5);
      const total = middle(runs.map((r) => Object.values(r).reduce((a, us) => a + us, 0)));
      const of = runs.length > 1 ? `median of ${runs.length} runs` : 'one run';
      return `CPU per notification, ${what} (${of}): ${total.toFixed(0)} µs = ${parts.map(([g, us]) => `${g} ${us.toFixed(0)}`).join(', ')}`;
    };
    // Warm-up, unmeasured, on both sides (JIT, connection pools, the worker's first batches), as
    // the other benchmarks do: the first measured run used to come out 10-20% below the others.
    const warmCommands = args.smoke ? 2 : 200;
    await bareBullmq(redisUrl, prefix, warmCommands * perCommand, concurrency);
    await bareBullmq(redisUrl, prefix, warmCommands * perCommand, concurrency, true);
    await bareApart.run(warmCommands * perCommand);
    await withdrawAll(await openPlans(warmCommands));
    await waitFor(warmCommands * perCommand, 60_000);

    for (let run = 0; run < args.runs; run++) {
      const beforeBare = cpu();
      bare.push(await bareBullmq(redisUrl, prefix, expected, concurrency));
      cpuRuns['bare BullMQ loop'].push(cpuPerOperation(beforeBare, cpu(), expected));
      asRelay.push(await bareBullmq(redisUrl, prefix, expected, concurrency, true));
      const beforeApart = cpu();
      apart.push(await bareApart.run(expected));
      cpuRuns['bare loop, worker in its own process'].push(cpuPerOperation(beforeApart, cpu(), expected));

      // Pipeline: everything committed (relay paused), then relay + worker + receiver.
      const plansA = await openPlans(commands);
      await relay.pause();
      await withdrawAll(plansA);
      await receiver.stats(true);
      const beforePipeline = cpu();
      const resumed = Date.now();
      relay.resume();
      const a = await waitFor(expected, 120_000);
      check('pipeline', a, expected);
      cpuRuns['govflow pipeline'].push(cpuPerOperation(beforePipeline, cpu(), expected));
      pipeline.push(a.unique / ((a.last - resumed) / 1000));

      // With commands committing on the same cores.
      const plansB = await openPlans(commands);
      await sleep(500);
      await receiver.stats(true);
      const started = Date.now();
      await withdrawAll(plansB);
      committing.push((commands * perCommand) / ((Date.now() - started) / 1000));
      const b = await waitFor(expected, 120_000);
      check('with commands', b, expected);
      withCommands.push(b.unique / ((b.last - started) / 1000));

      // Latency at a fixed rate.
      const pacedCommands = Math.ceil((rate * seconds) / perCommand);
      const paced = await openPlans(pacedCommands);
      await sleep(500);
      await receiver.stats(true);
      const interval = (1000 * perCommand) / rate;
      const t0 = Date.now();
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < paced.length; i++) {
        const due = t0 + i * interval;
        if (due > Date.now()) await sleep(due - Date.now());
        inflight.push(withdraw(paced[i]));
      }
      await Promise.all(inflight);
      const c = await waitFor(paced.length * perCommand, 60_000);
      check('paced', c, paced.length * perCommand);
      p50.push(c.p50);
      p99.push(c.p99);
    }

    const baseline = { name: 'bare BullMQ', runs: bare };
    const rows: BenchRow[] = [
      row({ scenario: 'notifications', measure: 'bare BullMQ add-and-process', unit: 'jobs/s', runs: bare }),
      row({ scenario: 'notifications', measure: "  the same with the relay's jobs (jobId = outbox id; context)", unit: 'jobs/s', runs: asRelay, baseline }),
      row({ scenario: 'notifications', measure: '  the same with its worker in a process of its own (context)', unit: 'jobs/s', runs: apart, baseline }),
      row({
        scenario: 'notifications',
        measure: 'pipeline: committed outbox -> webhook received',
        unit: 'notifications/s',
        runs: pipeline,
        baseline,
        target: '>= 3,000/s and >= 0.5x',
        goal: { ratioAtLeast: 0.5, atLeast: 3000 },
      }),
      row({
        scenario: 'notifications',
        measure: 'same, while the commands commit on the same cores',
        unit: 'notifications/s',
        runs: withCommands,
        baseline,
        target: '>= 3,000/s and >= 0.5x',
        goal: { ratioAtLeast: 0.5, atLeast: 3000 },
      }),
      row({ scenario: 'notifications', measure: '  the commands themselves (16 in flight)', unit: 'notifications committed/s', runs: committing }),
      row({ scenario: 'notifications', measure: `commit-to-delivery p50 at ${rate}/s`, unit: 'ms', runs: p50, higherIsBetter: false }),
      row({
        scenario: 'notifications',
        measure: `commit-to-delivery p99 at ${rate}/s`,
        unit: 'ms',
        runs: p99,
        higherIsBetter: false,
        target: '< 1,000 ms',
        goal: { atMost: 999 },
      }),
    ];
    report(args, rows, [
      missing.length ? `INCOMPLETE: ${missing.join('; ')}` : `every notification arrived in every run (${expected} per throughput run)`,
      describeCpu('bare BullMQ loop'),
      describeCpu('bare loop, worker in its own process'),
      describeCpu('govflow pipeline'),
    ]);
    if (missing.length) process.exitCode = 1;
  } finally {
    await bareApart?.close();
    worker.kill('SIGTERM');
    await new Promise((ok) => (worker.exitCode === null ? worker.once('exit', ok) : ok(null)));
    await app.close();
    receiver.child.kill();
    const cleanup = new Queue(NOTIFICATION_QUEUE, { connection: redisConnection(redisUrl), prefix });
    await cleanup.obliterate({ force: true }).catch(() => undefined);
    await cleanup.close();
    await db.drop();
  }
}

runBench(main);
