/**
 * Replay: what reading history costs.
 *
 *   node -r ./test/support/register-ts.js bench/replay.bench.ts [--runs 3] [--plan-events 10000]
 *                                          [--events 1000000] [--smoke] [--json FILE]
 *
 * One store is seeded (bench/seed.ts: valid plans and tasks, hash-chained, read models
 * written) with --events events, plus one plan of --plan-events events that never leaves the
 * review loop. Then, each run:
 *  - load: PlanRepository.load of the long plan, the path every command on it takes, through
 *    its snapshot (SnapshotStore) at its worst: the snapshot is `every - 1` events behind, the
 *    most a load folds without leaving a new one; the median of 7 loads per run;
 *  - fold: the same plan read and folded from its first event (PlanRepository without
 *    snapshots: what replay and a plan without a snapshot cost), split into the query
 *    (EventStore.readStream) and the fold (foldPlan over the loaded events). Beside it, the
 *    floor of any read of that stream: the same rows through COPY TO STDOUT;
 *  - rebuild: rebuildPlanAndTaskProjections over the whole store, as `govflow
 *    rebuild-projections` runs it (a process of its own with REBUILD_NODE_FLAGS,
 *    bench/rebuild-child.ts, timed inside, without its start), in events per second, beside
 *    the baseline of reading the same events in position order with
 *    `COPY (SELECT ...) TO STDOUT`, client side, and dropping them.
 *    Twice: over read models that are already right (the rebuild then writes nothing), and over
 *    emptied ones (every row written again; emptied and vacuumed outside the clock).
 */
import 'reflect-metadata';
import { Pool } from 'pg';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventStore, SnapshotStore } from '@govflow/event-store';
import { PLAN_SNAPSHOT_SCHEMA, PlanRepository, foldPlan, planStreamId } from '@govflow/plans/plan.repository';
import { REBUILD_NODE_FLAGS } from '@govflow/plans/rebuild/rebuild-process';
import { BenchRow, ROOT, benchArgs, benchDatabase, median, report, row, runBench } from './harness';
import { copyOut, seedEvents, seedLongPlan } from './seed';

const LOADS_PER_RUN = 7;
const COPY_SELECT = `SELECT position, stream_id, stream_version, type, data, metadata, recorded_at, prev_hash, hash FROM events ORDER BY position`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** A rebuild as `govflow rebuild-projections` runs it: its own process, with REBUILD_NODE_FLAGS. */
function rebuildAsCli(databaseUrl: string): Promise<{ ms: number; result: { plans: number; tasks: number } }> {
  const args = [...REBUILD_NODE_FLAGS, '-r', join(ROOT, 'test/support/register-ts.js'), join(__dirname, 'rebuild-child.ts')];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env: { ...process.env, DATABASE_URL: databaseUrl } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`rebuild process failed: ${stderr || error.message}`));
      const { ms, plans, tasks } = JSON.parse(stdout) as { ms: number; plans: number; tasks: number };
      resolve({ ms, result: { plans, tasks } });
    }),
  );
}

runBench(async () => {
  const args = benchArgs();
  const planEvents = args.number('plan-events', args.smoke ? 1_000 : 10_000);
  const storeEvents = args.number('events', args.smoke ? 20_000 : 1_000_000);
  const db = await benchDatabase('replay');
  const pool = new Pool({ connectionString: db.url, max: 2 });
  const notes: string[] = [];
  try {
    const seeding = await timed(async () => ({ store: await seedEvents(db.url, storeEvents - planEvents), plan: await seedLongPlan(db.url, planEvents) }));
    await pool.query(`VACUUM ANALYZE`);
    const { store: seeded, plan } = seeding.result;
    const total = Number((await pool.query(`SELECT count(*) AS n FROM events`)).rows[0].n);
    const size = (await pool.query(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS s`)).rows[0].s;
    notes.push(
      `store: ${total.toLocaleString('en-US')} events (${size} with indexes), ${seeded.plans.toLocaleString('en-US')} plans and their tasks + one plan of ${plan.events.toLocaleString('en-US')} events; seeded in ${(seeding.ms / 1000).toFixed(1)} s (${Math.round(total / (seeding.ms / 1000)).toLocaleString('en-US')} events/s)`,
    );
    console.log(notes[0]);

    const store = new EventStore(pool);
    const repository = new PlanRepository(store);
    const snapshots = new SnapshotStore(pool, store, randomBytes(32));
    const throughSnapshot = new PlanRepository(store, snapshots);
    const streamEvents = await store.readStream(planStreamId(plan.planId));
    const behind = snapshots.every - 1;
    const snapshotVersion = streamEvents.length - behind;
    const snapshotState = foldPlan(streamEvents.slice(0, snapshotVersion));
    await snapshots.save(planStreamId(plan.planId), PLAN_SNAPSHOT_SCHEMA, snapshotVersion, streamEvents[snapshotVersion - 1].hash, snapshotState);
    const kB = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} kB`;
    const stored = Number((await pool.query(`SELECT octet_length(state) AS n FROM snapshots`)).rows[0].n);
    const snapshotSize = `${kB(Buffer.byteLength(JSON.stringify(snapshotState)))} of JSON, ${kB(stored)} stored (raw DEFLATE)`;
    notes.push(`rebuild: in a process of its own started with ${REBUILD_NODE_FLAGS.join(' ')}, as \`govflow rebuild-projections\` runs it; timed inside, without the start`);
    notes.push(`snapshot of the long plan: at version ${snapshotVersion.toLocaleString('en-US')}, ${behind} events behind (SnapshotStore every ${snapshots.every}), state ${snapshotSize}`);
    const snapshotLoad: number[] = [];
    const load: number[] = [];
    const query: number[] = [];
    const fold: number[] = [];
    const streamCopy: number[] = [];
    const rebuild: number[] = [];
    const rebuildEmpty: number[] = [];
    const copy: number[] = [];
    const streamSelect = `SELECT position, stream_id, stream_version, type, data, metadata, recorded_at, prev_hash, hash FROM events WHERE stream_id = '${planStreamId(plan.planId)}' ORDER BY stream_version`;
    await repository.load(plan.planId); // first use: connections, plans, JIT of the fold
    await throughSnapshot.load(plan.planId);
    for (let run = 0; run < args.runs; run++) {
      const snapshotLoads: number[] = [];
      for (let i = 0; i < LOADS_PER_RUN; i++) {
        const loaded = await timed(() => throughSnapshot.load(plan.planId));
        if (loaded.result.state.version !== plan.events) throw new Error(`loaded version ${loaded.result.state.version}, expected ${plan.events}`);
        snapshotLoads.push(loaded.ms);
      }
      snapshotLoad.push(median(snapshotLoads));
      const loads: number[] = [];
      const queries: number[] = [];
      const folds: number[] = [];
      for (let i = 0; i < LOADS_PER_RUN; i++) {
        loads.push((await timed(() => repository.load(plan.planId))).ms);
        const read = await timed(() => store.readStream(planStreamId(plan.planId)));
        queries.push(read.ms);
        const started = performance.now();
        const state = foldPlan(read.result);
        folds.push(performance.now() - started);
        if (state?.version !== plan.events) throw new Error(`folded version ${state?.version}, expected ${plan.events}`);
      }
      load.push(median(loads));
      query.push(median(queries));
      fold.push(median(folds));

      const client = await pool.connect();
      try {
        const copies: number[] = [];
        for (let i = 0; i < LOADS_PER_RUN; i++) copies.push((await timed(() => copyOut(client, streamSelect))).ms);
        streamCopy.push(median(copies));
        const out = await timed(() => copyOut(client, COPY_SELECT));
        if (out.result.rows !== total) throw new Error(`COPY read ${out.result.rows} rows, expected ${total}`);
        copy.push(total / (out.ms / 1000));
      } finally {
        client.release();
      }
      await pool.query(`VACUUM ANALYZE plans, tasks`);
      const rebuilt = await rebuildAsCli(db.url);
      if (rebuilt.result.plans !== seeded.plans + 1) throw new Error(`rebuilt ${rebuilt.result.plans} plans, expected ${seeded.plans + 1}`);
      rebuild.push(total / (rebuilt.ms / 1000));
      await pool.query(`TRUNCATE plans, tasks`);
      await pool.query(`VACUUM ANALYZE plans, tasks`);
      const refilled = await rebuildAsCli(db.url);
      if (refilled.result.plans !== seeded.plans + 1) throw new Error(`rebuilt ${refilled.result.plans} plans, expected ${seeded.plans + 1}`);
      rebuildEmpty.push(total / (refilled.ms / 1000));
      console.log(
        `run ${run + 1}: load through the snapshot ${snapshotLoad[run].toFixed(1)} ms; from the first event ${load[run].toFixed(1)} ms (query ${query[run].toFixed(1)} + fold ${fold[run].toFixed(1)}; COPY of the stream ${streamCopy[run].toFixed(1)}); ` +
          `rebuild ${Math.round(rebuild[run])} events/s (${(rebuilt.ms / 1000).toFixed(1)} s), into empty read models ${Math.round(rebuildEmpty[run])} events/s (${(refilled.ms / 1000).toFixed(1)} s), COPY ${Math.round(copy[run])} events/s`,
      );
    }

    const planLabel = `fold one plan of ${plan.events.toLocaleString('en-US')} events`;
    const rows: BenchRow[] = [
      row({
        scenario: 'replay',
        measure: `load one plan of ${plan.events.toLocaleString('en-US')} events, through its snapshot ${behind} events behind`,
        unit: 'ms',
        runs: snapshotLoad,
        baseline: { name: 'COPY of the stream', runs: streamCopy },
        higherIsBetter: false,
        target: '< 50 ms',
        goal: { atMost: 50 },
      }),
      row({
        scenario: 'replay',
        measure: `${planLabel} from the first event: PlanRepository.load without snapshots`,
        unit: 'ms',
        runs: load,
        baseline: { name: 'COPY of the stream', runs: streamCopy },
        higherIsBetter: false,
      }),
      row({ scenario: 'replay', measure: `${planLabel}: of which the query`, unit: 'ms', runs: query, higherIsBetter: false }),
      row({ scenario: 'replay', measure: `${planLabel}: of which the fold`, unit: 'ms', runs: fold, higherIsBetter: false }),
      row({
        scenario: 'replay',
        measure: `rebuild all projections from ${total.toLocaleString('en-US')} events`,
        unit: 'events/s',
        runs: rebuild,
        baseline: { name: 'COPY TO STDOUT', runs: copy },
        target: '>= 0.3x COPY',
        goal: { ratioAtLeast: 0.3 },
      }),
      row({
        scenario: 'replay',
        measure: `rebuild into emptied read models, ${total.toLocaleString('en-US')} events`,
        unit: 'events/s',
        runs: rebuildEmpty,
        baseline: { name: 'COPY TO STDOUT', runs: copy },
        target: '>= 0.3x COPY',
        goal: { ratioAtLeast: 0.3 },
      }),
    ];
    report(args, rows, notes);
  } finally {
    await pool.end();
    await db.drop();
  }
});
