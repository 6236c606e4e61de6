/**
 * The HTTP command path: submit and approve on distinct plans, over HTTP, 32 connections
 * (autocannon), against the API in a child process of its own with REDIS_URL set (the outbox
 * relay moves each notification to BullMQ as in production; no worker runs) and LOG_LEVEL=info
 * (the production default; the child's stdout is /dev/null). In the same run:
 *
 *   - pgbench: one-row INSERT transactions into a table shaped like `events`, 16 clients;
 *   - the no-I/O endpoint on the same app (same guard with its token cache, pipe, filter,
 *     interceptor, pino-http logger), hit the same way;
 *   - Express vs Fastify: a bare Nest app with that same controller, guard, pipe, filter and
 *     logger on each adapter (the production app is bound to Express: see BENCHMARKS.md).
 *
 *   node -r ./test/support/register-ts.js bench/http.bench.ts [--runs 3] [--seconds 6] [--smoke] [--json FILE] [--profile]
 *
 * --profile adds one pass with --cpu-prof on the API child and every PostgreSQL round trip
 * counted, and prints where a command's time goes (the profile is kept under .data/profiles).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Queue } from 'bullmq';
import { redisConnection } from '@govflow/notifications';
import { ROOT, benchArgs, benchDatabase, BenchRow, report, row, runBench } from './harness';
import { ApiProcess, CommandPath, noIo, pgbenchInsert, startApi, summarizeProfile, Volley } from './command-path';

const SCENARIO = 'http command path';

async function main(): Promise<void> {
  const args = benchArgs();
  const seconds = args.smoke ? 1 : args.number('seconds', 6);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench_http_${Date.now()}`;
  const db = await benchDatabase('http');
  const children: ApiProcess[] = [];
  try {
    const started = await Promise.allSettled([startApi('api', { dbUrl: db.url, redisUrl, queuePrefix: prefix }), startApi('bare-express'), startApi('bare-fastify')]);
    for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [api, express, fastify] = children;
    const path = await CommandPath.prepare(api);

    // Warm-up (JIT, pools, caches) and a first estimate of the rate, to size phases to `seconds`.
    const warm = await path.warm(args.smoke ? 64 : 400);
    const noIoCount = (rate: number) => Math.max(64, Math.round(rate * seconds));
    const pairs = (rate: number) => Math.max(32, Math.round((rate * seconds) / 2));
    let estimate = warm.perSecond;
    for (const child of [api, express, fastify]) await noIo(child, path.table.drafter, args.smoke ? 100 : 500);

    const pg: number[] = [];
    const peak: number[] = [];
    const noIoApi: number[] = [];
    const p99Paced: number[] = [];
    const p99Autocannon: number[] = [];
    const p50Paced: number[] = [];
    const p99Peak: number[] = [];
    const bareExpress: number[] = [];
    const bareFastify: number[] = [];
    const bareExpressP99: number[] = [];
    const bareFastifyP99: number[] = [];
    let failed = 0;
    let commands = 0;
    const statuses: Record<string, number> = {};
    const tally = (v: Volley) => {
      failed += v.failed;
      commands += v.count;
      for (const [k, n] of Object.entries(v.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
      return v;
    };

    for (let run = 0; run < args.runs; run++) {
      pg.push(await pgbenchInsert(db.url, seconds));
      const io = await noIo(api, path.table.drafter, noIoCount(estimate * 8));
      noIoApi.push(io.perSecond);
      const full = tally(await path.phase(pairs(estimate)));
      peak.push(full.perSecond);
      p99Peak.push(full.p99);
      estimate = full.perSecond;
      const rate = 0.7 * full.perSecond;
      p99Autocannon.push(tally(await path.phase(pairs(rate), { rate })).p99);
      const open = tally(await path.phase(pairs(rate), { rate, paced: true }));
      p99Paced.push(open.p99);
      p50Paced.push(open.p50);
      // The adapters, alternating which goes first.
      const order = run % 2 === 0 ? [express, fastify] : [fastify, express];
      for (const child of order) {
        const v = await noIo(child, path.table.drafter, noIoCount(io.perSecond * 1.5));
        (child === express ? bareExpress : bareFastify).push(v.perSecond);
        (child === express ? bareExpressP99 : bareFastifyP99).push(v.p99);
      }
      console.log(
        `  run ${run + 1}: pgbench ${pg[run].toFixed(0)} tps, no-I/O ${io.perSecond.toFixed(0)}/s, commands ${full.perSecond.toFixed(0)}/s ` +
          `(p99 ${full.p99} ms at full speed; ${open.p99.toFixed(1)} ms paced at ${rate.toFixed(0)}/s), ` +
          `bare Express ${bareExpress[run].toFixed(0)}/s, bare Fastify ${bareFastify[run].toFixed(0)}/s`,
      );
    }

    const rows: BenchRow[] = [
      row({ scenario: SCENARIO, measure: 'submit+approve peak, 32 conn', unit: 'req/s', runs: peak, baseline: { name: 'pgbench tps', runs: pg }, target: '>= 0.25x pgbench', goal: { ratioAtLeast: 0.25 } }),
      row({ scenario: SCENARIO, measure: 'p99 at 70% of peak, open loop', unit: 'ms', runs: p99Paced, higherIsBetter: false, target: '<= 50 ms', goal: { atMost: 50 } }),
      row({ scenario: SCENARIO, measure: 'p99 at 70% of peak, autocannon overallRate', unit: 'ms', runs: p99Autocannon, higherIsBetter: false, target: '<= 50 ms', goal: { atMost: 50 } }),
      row({ scenario: SCENARIO, measure: 'p50 at 70% of peak, open loop', unit: 'ms', runs: p50Paced, higherIsBetter: false }),
      row({ scenario: SCENARIO, measure: 'p99 at peak, 32 conn', unit: 'ms', runs: p99Peak, higherIsBetter: false }),
      row({ scenario: SCENARIO, measure: 'peak vs no-I/O endpoint, same app', unit: 'req/s', runs: peak, baseline: { name: 'no-I/O', runs: noIoApi } }),
      row({ scenario: SCENARIO, measure: 'non-2xx or failed requests', unit: 'count', runs: [failed], higherIsBetter: false, target: '0', goal: { atMost: 0 } }),
      row({ scenario: 'http adapter', measure: 'bare Nest no-I/O: Fastify vs Express', unit: 'req/s', runs: bareFastify, baseline: { name: 'Express', runs: bareExpress } }),
      row({ scenario: 'http adapter', measure: 'bare Nest no-I/O p99: Fastify vs Express', unit: 'ms', runs: bareFastifyP99, higherIsBetter: false, baseline: { name: 'Express', runs: bareExpressP99 } }),
    ];
    const costUs = (perSecond: number[]) => 1e6 / rowsMedian(perSecond);
    const notes = [
      `API child: production app (Express), REDIS_URL set (outbox relay to BullMQ, prefix ${prefix}, no worker), LOG_LEVEL=info to /dev/null, pool ${process.env.DB_POOL_SIZE ?? 20}.`,
      `${commands} measured commands, statuses ${JSON.stringify(statuses)}; each request acts on a plan of its own (submit: draft -> technical_review; approve: technical_review -> endorsement).`,
      `per request at saturation: command ${costUs(peak).toFixed(0)} us, no-I/O on the API ${costUs(noIoApi).toFixed(0)} us, bare Express ${costUs(bareExpress).toFixed(0)} us, bare Fastify ${costUs(bareFastify).toFixed(0)} us (wall time / throughput, 2 shared cores).`,
      'open loop: requests due at even intervals, latency counted from when each was due; autocannon overallRate releases each connection\'s quota at the start of every second (bursts), latencies as measured.',
    ];

    if (args.flag('profile')) notes.push(...(await profilePass(db.url, redisUrl, prefix, args.smoke ? 100 : pairs(estimate))));
    report(args, rows, notes);
  } finally {
    for (const child of children) await child.stop();
    const queue = new Queue('govflow-notifications', { connection: redisConnection(redisUrl), prefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.drop();
  }
}

const rowsMedian = (values: number[]) => row({ scenario: '', measure: '', unit: '', runs: values }).value;

/** One more API child with --cpu-prof and every round trip counted; returns report notes. */
async function profilePass(dbUrl: string, redisUrl: string, prefix: string, n: number): Promise<string[]> {
  const dir = join(ROOT, '.data/profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `http-${Date.now()}.cpuprofile`);
  const api = await startApi('api', { dbUrl, redisUrl, queuePrefix: prefix, traceQueries: true });
  const notes: string[] = [];
  try {
    const path = await CommandPath.prepare(api);
    await path.phase(n);
    await path.warm(n); // plans to approve, opened and submitted before the profile starts
    const drafts = await path.open(n);
    await path.trace(); // forget the set-up's round trips
    await api.startProfile();
    const measured = await path.phase(n, { drafts });
    await api.stopProfile(file);
    const trace = await path.trace();
    const count = measured.count;
    const lines = Object.entries(trace).sort((a, b) => b[1].count - a[1].count);
    // The phase also opened n plans: those round trips are counted apart by statement.
    notes.push(`profile: ${count} commands at ${measured.perSecond.toFixed(0)}/s under tracing; round trips per command seen by the API's pg client:`);
    for (const [sql, v] of lines) notes.push(`  ${(v.count / count).toFixed(2)}/cmd  ${(v.ms / v.count).toFixed(2)} ms avg  ${sql}`);
    notes.push(...(await explain(dbUrl)));
  } finally {
    await api.stop();
  }
  notes.push(`cpu profile of those ${n * 2} commands, ${file}:`, ...summarizeProfile(file).map((l) => `  ${l}`));
  return notes;
}

/** EXPLAIN ANALYZE of the command's reads on a real plan. */
async function explain(dbUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT stream_id FROM streams WHERE stream_type = 'plan' ORDER BY random() LIMIT 1`);
    const stream = rows[0].stream_id as string;
    const mesa = (await client.query(`SELECT code FROM mesas LIMIT 1`)).rows[0].code as string;
    const out: string[] = [];
    const plan = async (label: string, sql: string, params: unknown[]) => {
      const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
      out.push(`explain ${label}: ${res.rows.map((r) => r['QUERY PLAN'].trim()).join(' | ')}`);
    };
    await plan('readStream', `SELECT * FROM events WHERE stream_id = $1 AND ($2::int IS NULL OR stream_version <= $2) AND ($3::timestamptz IS NULL OR recorded_at <= $3) ORDER BY stream_version`, [stream, null, null]);
    await plan('getMesa', `SELECT * FROM mesas WHERE code = $1`, [mesa]);
    await client.query('BEGIN');
    await plan('plans upsert', `UPDATE plans SET updated_at = now() WHERE id = $1`, [stream.slice('plan-'.length)]);
    await client.query('ROLLBACK');
    return out;
  } finally {
    await client.end();
  }
}

runBench(main);
