/**
 * The two append scenarios, 16 concurrent writers each, against the same PostgreSQL:
 *
 *   1. one event per transaction, a new stream each: govflow's EventStore vs pgbench one-row
 *      INSERT transactions into a table shaped like `events`, and vs emmett-postgresql's
 *      appendToStream on a fresh stream (in a schema of its own, same database);
 *   2. one event per transaction onto existing streams with the expected version and head:
 *      govflow vs the same pgbench figure.
 *
 * Both go through `EventStore.transaction` with the append staged (`tx.stage`), as command
 * handlers do: BEGIN, the append and COMMIT travel in one message. Extra rows, without a target,
 * show scenario 1 through `EventStore.append` (the lone append as one statement of the extended
 * protocol) and through a transaction that awaits the append's positions before COMMIT (two
 * round trips: what every command paid before appends could be staged).
 *
 *   node -r ./test/support/register-ts.js bench/append.bench.ts [--runs 3] [--seconds 8] [--smoke] [--json FILE]
 *
 * Each run measures every contender for the same fixed time, in an order that rotates from run
 * to run so that none always goes first; the table shows medians over the runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Pool } from 'pg';
import { getPostgreSQLEventStore, PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Actor } from '@govflow/domain';
import { AppendRequest, CommandContext, envelope, EventStore } from '@govflow/event-store';
import { benchArgs, benchDatabase, BenchRow, closedLoop, median, pgbench, preparePgbenchInsert, report, row, runBench } from './harness';

const WRITERS = 16;
/** Existing streams each writer owns in scenario 2; no two writers ever share one. */
const STREAMS_PER_WRITER = 8;

const DRAFTER: Actor = { id: 'minfin-1', name: 'Funcionario 1 de MINFIN', entity: 'MINFIN', roles: ['official'] };

/** A plan's content as a drafter writes it: what makes `plan.opened` a few hundred bytes. */
const CONTENT = {
  title: 'Plan de acción de la Mesa de Transformación Digital 2024',
  objective: 'Un Estado que atiende en línea, seguro y para todos.',
  commitments: [
    {
      ref: 'C1',
      title: 'Ventanilla única de trámites en línea',
      leadEntity: 'MINFIN',
      supportEntities: ['SIT', 'PGN'],
      milestones: [
        { ref: 'H1', title: 'Catálogo de trámites publicado', dueDate: '2024-11-30' },
        { ref: 'H2', title: 'Diez trámites piloto en línea', dueDate: '2025-03-31', responsibleEntity: 'SIT' },
      ],
    },
  ],
};

const planOpened = (planId: string) => ({
  type: 'plan.opened',
  data: { planId, mesa: 'TD', definition: { id: 'action-plan', version: 1 }, drafter: 'MINFIN', content: CONTENT },
});
const contentEdited = () => ({ type: 'plan.content-edited', data: { content: CONTENT } });

/** What a command handler hands the event store: fresh ids and the time, per command. */
function context(): CommandContext {
  const id = randomUUID();
  return { actor: DRAFTER, now: new Date().toISOString(), commandId: id, correlationId: id };
}

/** A contender holds its connections only while it is measured: the server's connection slots are shared. */
interface Session {
  op: (writer: number, i: number) => Promise<unknown>;
  close(): Promise<void>;
}

function openPool(url: string, options: { searchPath?: string } = {}): Pool {
  const pool = new Pool({ connectionString: url, max: WRITERS, ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}) });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A new stream per append: through `transaction` with the append staged (what every command
 * handler does), through `transaction` awaiting the append, or through `EventStore.append`.
 */
function govflowNewStream(url: string, via: 'staged' | 'awaited' | 'append'): Session {
  const pool = openPool(url);
  const store = new EventStore(pool);
  return {
    op: () => {
      const planId = randomUUID();
      const request: AppendRequest = { streamId: `plan-${planId}`, streamType: 'plan', expectedVersion: 0, events: envelope([planOpened(planId)], context(), 'action-plan@1') };
      if (via === 'staged') return store.transaction(async (tx) => tx.stage(request));
      return via === 'awaited' ? store.transaction((tx) => tx.append(request)) : store.append(request);
    },
    close: () => pool.end(),
  };
}

interface Head {
  streamId: string;
  version: number;
  head: string;
}

/** Opens every writer's streams and returns, per writer, the heads it will append to. */
async function openStreams(url: string): Promise<Head[][]> {
  const pool = openPool(url);
  const store = new EventStore(pool);
  try {
    return await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const heads: Head[] = [];
        for (let s = 0; s < STREAMS_PER_WRITER; s++) {
          const planId = randomUUID();
          const streamId = `plan-${planId}`;
          const result = await store.transaction((tx) =>
            tx.append({ streamId, streamType: 'plan', expectedVersion: 0, events: envelope([planOpened(planId)], context(), 'action-plan@1') }),
          );
          heads.push({ streamId, version: result.version, head: result.head });
        }
        return heads;
      }),
    );
  } finally {
    await pool.end();
  }
}

function govflowExistingStream(url: string, heads: Head[][]): Session {
  const pool = openPool(url);
  const store = new EventStore(pool);
  return {
    op: async (writer, i) => {
      const stream = heads[writer][i % STREAMS_PER_WRITER];
      const result = await store.transaction(async (tx) =>
        tx.stage({
          streamId: stream.streamId,
          streamType: 'plan',
          expectedVersion: stream.version,
          expectedHead: stream.head,
          events: envelope([contentEdited()], context(), 'action-plan@1'),
        }),
      );
      stream.version = result.version;
      stream.head = result.head;
    },
    close: () => pool.end(),
  };
}

async function createEmmettSchema(url: string): Promise<void> {
  const pool = openPool(url);
  await pool.query(`CREATE SCHEMA emmett`).finally(() => pool.end());
  const emmett = emmettNewStream(url);
  await emmett.migrate().finally(() => emmett.close());
}

/** emmett in a schema of its own, with a pool as large as govflow's (pg's default of 10 would starve it). */
function emmettNewStream(url: string): Session & { migrate(): Promise<unknown> } {
  const pool = openPool(url, { searchPath: 'emmett' });
  const emmett: PostgresEventStore = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  return {
    op: () => {
      const planId = randomUUID();
      const [event] = envelope([planOpened(planId)], context(), 'action-plan@1');
      // Expected version 0: a new stream, checked by emmett's unique constraint as govflow checks its own.
      return emmett.appendToStream(`plan-${planId}`, [{ type: event.type, data: event.data as Record<string, unknown>, metadata: { ...event.metadata } }], {
        expectedStreamVersion: 0n,
      });
    },
    migrate: () => emmett.schema.migrate(),
    close: async () => {
      await emmett.close();
      await pool.end();
    },
  };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const seconds = args.number('seconds', args.smoke ? 2 : 8);
  const warmup = args.smoke ? 0.5 : 1;
  const db = await benchDatabase('append');
  const dir = mkdtempSync(join(tmpdir(), 'govflow-append-'));
  try {
    const setup = openPool(db.url);
    await setup.end();
    const [opened] = envelope([planOpened(randomUUID())], context(), 'action-plan@1');
    const { script, payloadBytes } = await preparePgbenchInsert(db.url, opened);
    const heads = await openStreams(db.url);
    await createEmmettSchema(db.url);

    const sessions = {
      govflow: () => govflowNewStream(db.url, 'staged'),
      awaited: () => govflowNewStream(db.url, 'awaited'),
      emmett: () => emmettNewStream(db.url),
      existing: () => govflowExistingStream(db.url, heads),
      lone: () => govflowNewStream(db.url, 'append'),
    };
    /** This process's CPU per transaction, per contender: where the client's time goes. */
    const clientCpu: Record<string, number[]> = {};
    /** Opens the contender, warms its pool and V8 up unmeasured, measures, and lets its connections go. */
    const measure = async (name: keyof typeof sessions) => {
      const session = sessions[name]();
      try {
        await closedLoop(WRITERS, warmup, session.op);
        const before = process.cpuUsage();
        const result = await closedLoop(WRITERS, seconds, session.op);
        const cpu = process.cpuUsage(before);
        (clientCpu[name] ??= []).push((cpu.user + cpu.system) / result.count);
        return result.perSecond;
      } finally {
        await session.close();
      }
    };

    const runs = { govflow: [] as number[], pgbench: [] as number[], emmett: [] as number[], existing: [] as number[], lone: [] as number[], awaited: [] as number[] };
    const order = ['govflow', 'pgbench', 'emmett', 'existing', 'lone', 'awaited'] as const;
    for (let run = 0; run < args.runs; run++) {
      // Rotated each run, so no contender always goes first.
      const rotated = order.map((_, i) => order[(i + run) % order.length]);
      for (const name of rotated) {
        const tps = name === 'pgbench' ? pgbench(db.url, script, { clients: WRITERS, seconds }) : await measure(name);
        runs[name].push(tps);
        console.log(`run ${run + 1}/${args.runs}  ${name.padEnd(8)} ${tps.toFixed(0)} tx/s`);
      }
    }

    const newStream = 'append: 1 event/tx, new stream each, 16 writers';
    const rows: BenchRow[] = [
      row({
        scenario: newStream,
        measure: 'throughput',
        unit: 'tx/s',
        runs: runs.govflow,
        baseline: { name: 'pgbench', runs: runs.pgbench },
        target: '>= 0.5x pgbench',
        goal: { ratioAtLeast: 0.5 },
      }),
      row({
        scenario: newStream,
        measure: 'throughput',
        unit: 'tx/s',
        runs: runs.govflow,
        baseline: { name: 'emmett-postgresql', runs: runs.emmett },
        target: '>= 2x emmett-postgresql',
        goal: { ratioAtLeast: 2 },
      }),
      row({
        scenario: 'append: existing streams, expected version, 16 writers',
        measure: 'throughput',
        unit: 'tx/s',
        runs: runs.existing,
        baseline: { name: 'pgbench', runs: runs.pgbench },
        target: '>= 0.4x pgbench',
        goal: { ratioAtLeast: 0.4 },
      }),
      // For comparison, no target: the same append as a transaction of one statement, and a
      // transaction that waits for the append's positions before COMMIT.
      ...(['lone', 'awaited'] as const).flatMap((name) =>
        [{ name: 'pgbench', runs: runs.pgbench }, { name: 'emmett-postgresql', runs: runs.emmett }].map((baseline) =>
          row({ scenario: `${newStream}, ${name === 'lone' ? 'EventStore.append' : 'awaiting the append'}`, measure: 'throughput', unit: 'tx/s', runs: runs[name], baseline }),
        ),
      ),
    ];
    const emmettVersion = JSON.parse(readFileSync(join(dirname(require.resolve('@event-driven-io/emmett-postgresql')), '..', 'package.json'), 'utf8')).version;
    report(args, rows, [
      `${WRITERS} writers, ${seconds} s per measurement, ${args.runs} run(s); event payload ${payloadBytes} bytes (data + metadata JSON).`,
      `pgbench: one-row INSERT (autocommit) into a copy of \`events\` (LIKE ... INCLUDING ALL), ${WRITERS} clients, 2 threads.`,
      `emmett-postgresql ${emmettVersion}: appendToStream with expectedStreamVersion 0n, schema "emmett", pool of ${WRITERS}.`,
      `existing streams: ${STREAMS_PER_WRITER} per writer, opened before the runs; each append carries the expected version and head hash.`,
      'Round trips per transaction: pgbench 1; govflow transaction() with the append staged 1 (BEGIN, append, COMMIT in one message); EventStore.append 1; awaiting the append 2 (BEGIN + append, COMMIT); emmett 3 (BEGIN, append, COMMIT).',
      `Client CPU per transaction in this process (median, us): ${Object.entries(clientCpu)
        .map(([name, values]) => `${name} ${median(values).toFixed(0)}`)
        .join(', ')}.`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

runBench(main);
