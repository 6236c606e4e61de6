/**
 * What every benchmark script shares: arguments, a fresh database, repeated runs reduced to
 * medians, and one way to print and hand over results. A scenario script measures govflow and
 * its baseline in the same run, on the same PostgreSQL and Redis, and never asserts a timing.
 *
 *   --runs N       repetitions; each figure is the median over them (default 3)
 *   --smoke        a tiny load and one run, to prove the script still works (CI may run this)
 *   --json FILE    also write the rows as JSON (used by `npm run bench`, which runs every script)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, runMigrations, startEmbeddedPostgres } from '@govflow/database';

export const ROOT = join(__dirname, '..');

/** One line of the results table: govflow's figure beside its baseline's, with the target. */
export interface BenchRow {
  scenario: string;
  measure: string;
  unit: string;
  /** Median of govflow's runs. */
  value: number;
  /** Every run, in order, so a reader sees the spread. */
  runs: number[];
  baseline?: { name: string; value: number; runs: number[] };
  /** value / baseline.value, or for `lower is better` rows baseline / value; set by row(). */
  ratio?: number;
  /** Human-readable target, e.g. ">= 0.5x pgbench" or "< 50 ms". */
  target?: string;
  /** Whether the median meets the target; undefined when there is no target. */
  met?: boolean;
}

export interface BenchArgs {
  runs: number;
  smoke: boolean;
  json?: string;
  number(name: string, fallback: number): number;
  flag(name: string): boolean;
}

export function benchArgs(argv = process.argv.slice(2)): BenchArgs {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  return {
    smoke,
    runs: smoke ? 1 : Number(value('runs') ?? 3),
    json: value('json'),
    number: (name, fallback) => (value(name) === undefined ? fallback : Number(value(name))),
    flag: (name) => argv.includes(`--${name}`),
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile of a list of samples (p in 0..100). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Builds a row from every run's figures. `higherIsBetter` decides the ratio's direction;
 * `goal` (a ratio for rows with a baseline, otherwise an absolute bound) decides `met`.
 */
export function row(spec: {
  scenario: string;
  measure: string;
  unit: string;
  runs: number[];
  baseline?: { name: string; runs: number[] };
  higherIsBetter?: boolean;
  target?: string;
  goal?: { ratioAtLeast?: number; atMost?: number; atLeast?: number };
}): BenchRow {
  const higher = spec.higherIsBetter ?? true;
  const value = median(spec.runs);
  const out: BenchRow = { scenario: spec.scenario, measure: spec.measure, unit: spec.unit, value, runs: spec.runs };
  if (spec.baseline) {
    const base = median(spec.baseline.runs);
    out.baseline = { name: spec.baseline.name, value: base, runs: spec.baseline.runs };
    out.ratio = higher ? value / base : base / value;
  }
  if (spec.target) out.target = spec.target;
  const goal = spec.goal;
  if (goal) {
    const checks: boolean[] = [];
    if (goal.ratioAtLeast !== undefined && out.ratio !== undefined) checks.push(out.ratio >= goal.ratioAtLeast);
    if (goal.atMost !== undefined) checks.push(value <= goal.atMost);
    if (goal.atLeast !== undefined) checks.push(value >= goal.atLeast);
    out.met = checks.length > 0 && checks.every(Boolean);
  }
  return out;
}

/** A figure as the tables print it: thousands separated, small values with decimals. */
export const fmt = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

export function formatTable(rows: BenchRow[]): string {
  const header = ['scenario', 'measure', 'govflow', 'baseline', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [
    r.scenario,
    `${r.measure} (${r.unit})`,
    fmt(r.value),
    r.baseline ? `${fmt(r.baseline.value)} ${r.baseline.name}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

/** Prints the table (medians; every run beneath) and writes JSON when --json was given. */
export function report(args: BenchArgs, rows: BenchRow[], notes: string[] = []): void {
  console.log(`\n${formatTable(rows)}`);
  console.log(`\n  runs: ${rows.map((r) => `${r.scenario}/${r.measure}: [${r.runs.map(fmt).join(', ')}]${r.baseline ? ` vs [${r.baseline.runs.map(fmt).join(', ')}]` : ''}`).join('\n        ')}`);
  for (const note of notes) console.log(`  ${note}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ rows, notes }, null, 2));
}

export interface BenchDatabase {
  /** The server (for CREATE/DROP DATABASE and pgbench). */
  serverUrl: string;
  /** A fresh database on it, migrated. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database on DATABASE_URL's server, or on embedded PostgreSQL when
 * DATABASE_URL is unset (started under .data/bench-postgres and stopped by drop()).
 */
export async function benchDatabase(label: string): Promise<BenchDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  const embedded = serverUrl ? undefined : await startEmbeddedPostgres({ dataDir: join(ROOT, '.data/bench-postgres') });
  serverUrl ??= embedded!.url;
  const name = `govflow_bench_${label}_${Date.now()}`;
  await createDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  await runMigrations(url);
  return {
    serverUrl,
    url,
    name,
    drop: async () => {
      await dropDatabase(serverUrl, name, { waitForClientsMs: 5000 }).catch(() => undefined);
      await embedded?.stop();
    },
  };
}

/**
 * pgbench against `dbUrl` with a custom script: returns transactions per second. The database
 * is the last, positional argument (pgbench's -d means debug, not database).
 */
export function pgbench(dbUrl: string, scriptFile: string, options: { clients: number; threads?: number; seconds: number }): number {
  const url = new URL(dbUrl);
  const env = {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username) || process.env.PGUSER || 'postgres',
    ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
  };
  const db = decodeURIComponent(url.pathname.slice(1));
  const out = spawnSync('pgbench', ['-n', '-f', scriptFile, '-c', String(options.clients), '-j', String(options.threads ?? 2), '-T', String(options.seconds), db], {
    env,
    encoding: 'utf8',
  });
  const match = /tps = ([\d.]+)/.exec(out.stdout ?? '');
  if (out.status !== 0 || !match) throw new Error(`pgbench failed (exit ${out.status}): ${out.stderr || out.stdout}`);
  return Number(match[1]);
}

/**
 * The pgbench baseline's table and script: a table shaped like `events` (LIKE ... INCLUDING
 * ALL: same identity, defaults, constraints and indexes) and one-row INSERT transactions of
 * the given event's payload, a new stream id per row. Returns the script file and the payload
 * size; run it with pgbench().
 */
export async function preparePgbenchInsert(dbUrl: string, event: { type: string; data: unknown; metadata: unknown }): Promise<{ script: string; payloadBytes: number }> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS pgbench_events (LIKE events INCLUDING ALL)`);
  } finally {
    await client.end();
  }
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const hash = (byte: string) => `'\\x${byte.repeat(32)}'::bytea`;
  const script = join(mkdtempSync(join(tmpdir(), 'govflow-pgbench-')), 'insert.sql');
  writeFileSync(
    script,
    `INSERT INTO pgbench_events (stream_id, stream_version, type, data, metadata, recorded_at, prev_hash, hash) ` +
      `VALUES ('plan-' || gen_random_uuid(), 1, ${quote(event.type)}, ${quote(data)}::jsonb, ${quote(metadata)}::jsonb, now(), ${hash('00')}, ${hash('5a')});\n`,
  );
  return { script, payloadBytes: Buffer.byteLength(data) + Buffer.byteLength(metadata) };
}

/** Runs `n` async workers until `seconds` pass; returns completed operations per second and latencies (ms). */
export async function closedLoop(
  workers: number,
  seconds: number,
  op: (worker: number, i: number) => Promise<unknown>,
): Promise<{ perSecond: number; latencies: number[]; count: number }> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        await op(w, i);
        latencies.push(performance.now() - t);
        count++;
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), latencies, count };
}

/** Ends the script: exit 0 after main resolves, 1 (with the error) if it throws. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** CPU seconds used so far by each group of processes (Linux /proc); other systems return {}. */
export function cpuByGroup(groups: Record<string, (proc: { pid: number; comm: string; cmdline: string }) => boolean>): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(groups).map((g) => [g, 0]));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return {};
  }
  const ticks = 100; // USER_HZ on Linux
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
      const group = Object.keys(groups).find((g) => groups[g]({ pid: Number(pid), comm, cmdline }));
      if (group) totals[group] += seconds;
    } catch {
      // the process ended while we read it
    }
  }
  return totals;
}

/** Per-operation CPU (µs) of each group between two cpuByGroup() snapshots. */
export function cpuPerOperation(before: Record<string, number>, after: Record<string, number>, operations: number): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((g) => [g, ((after[g] - (before[g] ?? 0)) * 1e6) / operations]));
}
