/**
 * `npm run bench`: every scenario, one after the other (never two at once on the same cores),
 * each in its own process, then one table of medians with ratios and targets. Arguments are
 * passed to every script (--runs N, --smoke). Results go to bench/results/latest.json (or
 * --out FILE), from which `npm run bench:report` renders BENCHMARKS.md's figures and chart.
 *
 *   npm run bench                      # full: 3 runs per figure, about 10-15 minutes
 *   npm run bench -- --smoke           # tiny loads, one run: proves every script still works
 *   npm run bench -- --only append,replay
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchRow, ROOT, formatTable } from './harness';

export const SCENARIOS = ['append', 'http', 'growth', 'replay', 'notifications'] as const;

export interface BenchResults {
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; postgres?: string; redis?: string; memoryReclaim?: string };
  args: string[];
  scenarios: { name: string; seconds: number; exitCode: number | null; rows: BenchRow[]; notes: string[] }[];
}

function serverVersions(): { postgres?: string; redis?: string } {
  const psql = spawnSync('psql', [process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', '-Atqc', 'SHOW server_version'], { encoding: 'utf8' });
  const redis = spawnSync('redis-cli', ['-u', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'INFO', 'server'], { encoding: 'utf8' });
  return {
    ...(psql.status === 0 ? { postgres: psql.stdout.trim().split(' ')[0] } : {}),
    ...(redis.status === 0 ? { redis: /redis_version:(\S+)/.exec(redis.stdout)?.[1] } : {}),
  };
}

/**
 * Proactive memory reclaim the kernel runs, which makes memory-heavy work slower and less steady
 * from run to run: DAMON schemes that page memory out (with no swap, they can only drop the page
 * cache, where the databases' files live). Undefined when there is none or it cannot be read.
 */
function memoryReclaim(): string | undefined {
  const root = '/sys/kernel/mm/damon/admin/kdamonds';
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  // The numbered entries of a sysfs folder (kdamonds, contexts, schemes); none if unreadable.
  const numbered = (dir: string) => {
    try {
      return readdirSync(dir).filter((d) => /^\d+$/.test(d)).map((d) => join(dir, d));
    } catch {
      return [];
    }
  };
  const found: string[] = [];
  for (const kdamond of numbered(root).filter((k) => read(join(k, 'state')) === 'on')) {
    for (const context of numbered(join(kdamond, 'contexts'))) {
      for (const scheme of numbered(join(context, 'schemes'))) {
        const action = read(join(scheme, 'action'));
        if (action === 'pageout') found.push(`DAMON ${action} (${read(join(context, 'operations')) ?? '?'})`);
      }
    }
  }
  if (found.length === 0) return undefined;
  const swap = (read('/proc/swaps') ?? '').split('\n').length > 1;
  return `kernel memory reclaim: ${found.join(', ')}${swap ? '' : ', no swap (it drops the page cache)'}`;
}

function main(): number {
  const argv = process.argv.slice(2);
  const take = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const value = argv[i + 1];
    argv.splice(i, 2);
    return value;
  };
  const only = take('only')?.split(',');
  const out = take('out') ?? join(ROOT, 'bench/results', argv.includes('--smoke') ? 'smoke.json' : 'latest.json');
  const chosen = SCENARIOS.filter((s) => !only || only.includes(s));
  const scratch = mkdtempSync(join(tmpdir(), 'govflow-bench-'));
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, ...serverVersions(), memoryReclaim: memoryReclaim() },
    args: argv,
    scenarios: [],
  };

  for (const name of chosen) {
    const json = join(scratch, `${name}.json`);
    console.log(`\n=== ${name} ===`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, `bench/${name}.bench.ts`), ...argv, '--json', json], {
      cwd: ROOT,
      stdio: 'inherit',
      env: process.env,
    });
    let parsed: { rows: BenchRow[]; notes: string[] } = { rows: [], notes: [] };
    try {
      parsed = JSON.parse(readFileSync(json, 'utf8'));
    } catch {
      // the script failed before reporting; its exit code says so below
    }
    results.scenarios.push({ name, seconds: Math.round((Date.now() - started) / 1000), exitCode: run.status, rows: parsed.rows, notes: parsed.notes });
  }

  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const rows = results.scenarios.flatMap((s) => s.rows);
  const runs = argv.includes('--smoke') ? 1 : argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 3;
  console.log(`\n=== all scenarios (medians of ${runs} run${runs === 1 ? '' : 's'}) ===\n${formatTable(rows)}`);
  const failed = results.scenarios.filter((s) => s.exitCode !== 0 || s.rows.length === 0);
  if (results.machine.memoryReclaim) console.log(`\nnote: ${results.machine.memoryReclaim}; absolute figures move more from run to run on such a host`);
  console.log(`\nresults: ${out}`);
  if (failed.length) {
    console.error(`failed: ${failed.map((s) => `${s.name} (exit ${s.exitCode})`).join(', ')}`);
    return 1;
  }
  return 0;
}

process.exit(main());
