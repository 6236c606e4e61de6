/**
 * Growth: the HTTP command path (submit and approve on distinct plans, 32 connections) on a
 * store that already holds about 10 thousand events, one of 100 thousand and one of about
 * 1 million, side by side in the same run (the middle one draws BENCHMARKS.md's chart). Each store is its own database, filled by bench/seed.ts
 * (valid, hash-chained history with its read models), vacuumed and analysed, and served by
 * its own API child; runs alternate between the two.
 *
 *   node -r ./test/support/register-ts.js bench/growth.bench.ts [--runs 3] [--seconds 6] [--sizes 10000,100000,1000000] [--smoke] [--json FILE]
 *
 * --smoke: 1, 5 and 20 thousand events.
 */
import { Client } from 'pg';
import { Queue } from 'bullmq';
import { redisConnection } from '@govflow/notifications';
import { BenchDatabase, benchArgs, benchDatabase, BenchRow, median, report, row, runBench } from './harness';
import { ApiProcess, CommandPath, startApi } from './command-path';
import { seedEvents } from './seed';

const SCENARIO = 'growth';

interface Store {
  label: string;
  db: BenchDatabase;
  events: number;
  api?: ApiProcess;
  path?: CommandPath;
  perSecond: number[];
  p99: number[];
}

async function fill(label: string, events: number): Promise<Store> {
  const db = await benchDatabase(`growth_${label}`);
  const started = performance.now();
  const seeded = await seedEvents(db.url, events);
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query('VACUUM ANALYZE');
  const { rows } = await client.query(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`);
  await client.end();
  console.log(`  ${label}: ${seeded.events} events in ${seeded.plans} plans, events table ${rows[0].size}, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { label, db, events: seeded.events, perSecond: [], p99: [] };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const seconds = args.smoke ? 1 : args.number('seconds', 6);
  const sizesArg = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : undefined;
  const sizes = args.smoke ? [1_000, 5_000, 20_000] : (sizesArg?.split(',').map(Number) ?? [10_000, 100_000, 1_000_000]).sort((a, b) => a - b);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench_growth_${Date.now()}`;
  const stores: Store[] = [];
  try {
    // Seeded before any API starts: the seeder must be the only writer while it runs.
    for (const events of sizes) stores.push(await fill(`s${events}`, events));
    for (const store of stores) {
      store.api = await startApi('api', { dbUrl: store.db.url, redisUrl, queuePrefix: `${prefix}_${store.label}` });
      store.path = await CommandPath.prepare(store.api);
    }
    // Warm-up on both, and a rate to size the phases to about `seconds`.
    const warm = await Promise.all(stores.map((s) => s.path!.warm(args.smoke ? 64 : 300)));
    const pairs = Math.max(32, Math.round((median(warm.map((w) => w.perSecond)) * seconds) / 2));
    let failed = 0;
    for (let run = 0; run < args.runs; run++) {
      const order = run % 2 === 0 ? stores : [...stores].reverse();
      for (const store of order) {
        const v = await store.path!.phase(pairs);
        failed += v.failed;
        store.perSecond.push(v.perSecond);
        store.p99.push(v.p99);
      }
      console.log(`  run ${run + 1}: ${stores.map((s) => `${s.label} ${s.perSecond[run].toFixed(0)}/s (p99 ${s.p99[run]} ms)`).join(', ')}`);
    }
    const small = stores[0];
    const large = stores[stores.length - 1];
    const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${Math.round(n / 1e3)}k`);
    const rows: BenchRow[] = [
      row({
        scenario: SCENARIO,
        measure: `command path at ${k(large.events)} vs ${k(small.events)} events`,
        unit: 'req/s',
        runs: large.perSecond,
        baseline: { name: `at ${k(small.events)}`, runs: small.perSecond },
        target: '>= 0.9x',
        goal: { ratioAtLeast: 0.9 },
      }),
      row({
        scenario: SCENARIO,
        measure: `p99 at ${k(large.events)} vs ${k(small.events)} events, 32 conn`,
        unit: 'ms',
        runs: large.p99,
        higherIsBetter: false,
        baseline: { name: `at ${k(small.events)}`, runs: small.p99 },
      }),
      // One row per size, "@ N events": the chart's points (bench/report.ts).
      ...stores.map((s) => row({ scenario: SCENARIO, measure: `command path @ ${s.events} events`, unit: 'req/s', runs: s.perSecond })),
      row({ scenario: SCENARIO, measure: 'non-2xx or failed requests', unit: 'count', runs: [failed], higherIsBetter: false, target: '0', goal: { atMost: 0 } }),
    ];
    report(args, rows, [
      `stores: ${stores.map((s) => `${s.label} ${s.events} events`).join(', ')} (bench/seed.ts: valid hash-chained history and read models; VACUUM ANALYZE after seeding)`,
      `each phase: ${pairs * 2} commands, submit and approve alternating, each on a plan of its own; API children as in the http scenario (REDIS_URL set, LOG_LEVEL=info)`,
    ]);
  } finally {
    for (const store of stores) {
      await store.api?.stop();
      const queue = new Queue('govflow-notifications', { connection: redisConnection(redisUrl), prefix: `${prefix}_${store.label}` });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await store.db.drop();
    }
  }
}

runBench(main);
