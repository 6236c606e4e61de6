import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { databaseUrl, runMigrations, startEmbeddedPostgres, type EmbeddedServer } from '../../libs/database/src';
import { gone, isAlive, runCli } from './processes';

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The pid in a data folder's postmaster.pid. */
const postmasterOf = (dataDir: string) => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

type ChildMode = 'alone' | 'with-hooks' | 'report-and-exit' | 'release-and-exit';

/** Runs embedded-signal-child.ts on `dataDir` in `mode` until it prints its first JSON line. */
async function runChild(dataDir: string, mode: ChildMode): Promise<{ process: ChildProcess; said: Record<string, unknown>; output: () => string }> {
  const proc = spawn(process.execPath, ['-r', join(__dirname, 'register-ts.js'), join(__dirname, 'embedded-signal-child.ts'), dataDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  for (const deadline = Date.now() + 60_000; !out.includes('\n'); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`the child (${mode}) said nothing: ${out}`);
  }
  return { process: proc, said: JSON.parse(out.split('\n')[0]), output: () => out };
}

/** Resolves with the signal that ended the process (null when it exited by itself). */
const exitOf = (p: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((ok) => (p.exitCode !== null || p.signalCode !== null ? ok(p.signalCode) : p.once('exit', (_code, signal) => ok(signal))));

describe('startEmbeddedPostgres', () => {
  const dataDir = join(__dirname, '../../.data', `spec-postgres-${Date.now()}-${randomBytes(3).toString('hex')}`);
  const pidFile = join(dataDir, 'postmaster.pid');
  let running: EmbeddedServer | undefined;

  afterAll(async () => {
    await running?.stop().catch(() => undefined);
    for (const path of [dataDir, `${dataDir}.password`, `${dataDir}.lock`, `${dataDir}.owner`]) rmSync(path, { recursive: true, force: true });
  });

  it('runs a real server whose data survives a restart; reuses a live one, clears a stale lock', async () => {
    // First start: initialises the cluster.
    const first = (running = await startEmbeddedPostgres({ dataDir }));
    expect(first.reused).toBe(false);
    expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(await query(first.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const [{ num }] = await query<{ num: string }>(first.url, `SELECT current_setting('server_version_num') AS num`);
    const major = Number(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8'));
    expect(Math.floor(Number(num) / 10000)).toBe(major);
    expect(major).toBeGreaterThanOrEqual(13); // DROP DATABASE … WITH (FORCE)
    await query(first.url, `CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')`);

    // A second caller while it runs: the live server is reused, not started twice.
    const again = await startEmbeddedPostgres({ dataDir });
    expect(again.reused).toBe(true);
    expect(again.url).toBe(first.url);

    await first.stop();
    running = undefined;
    expect(existsSync(pidFile)).toBe(false);

    // A killed server's lock file (its pid no longer exists) does not prevent a start.
    writeFileSync(pidFile, `2147483646\n${dataDir}\n0\n${first.port}\n\n127.0.0.1\n0 0\nready\n`);

    const second = (running = await startEmbeddedPostgres({ dataDir }));
    expect(second.reused).toBe(false);
    expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
    await second.stop();
    running = undefined;
    expect(existsSync(pidFile)).toBe(false);
  }, 60_000);
});

describe('the CLI on the embedded PostgreSQL that npm start keeps', () => {
  const dataRoot = join(__dirname, '../../.data', `spec-cli-${Date.now()}-${randomBytes(3).toString('hex')}`);
  const dataDir = join(dataRoot, 'postgres');
  const env = { DATABASE_URL: '', GOVFLOW_DATA_DIR: dataRoot };
  let running: EmbeddedServer | undefined;

  afterAll(async () => {
    await running?.stop().catch(() => undefined);
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('works without DATABASE_URL: shares a running server, or starts one for the command and stops it after', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(2); // nothing there yet: told to run npm start or set DATABASE_URL
    running = await startEmbeddedPostgres({ dataDir });
    await query(running.url, 'CREATE DATABASE govflow');
    const govflow = databaseUrl(running.url, 'govflow');
    await runMigrations(govflow);

    const shared = await runCli(['migrate'], env);
    expect([shared.code, shared.stdout.trim()]).toEqual([0, 'sin migraciones pendientes / nothing to migrate']);
    expect(isAlive(postmasterOf(dataDir))).toBe(true); // left to its owner, this process

    await running.stop();
    running = undefined;
    const alone = await runCli(['replay', '00000000-0000-4000-8000-000000000000', '--at', '2030-01-01T00:00:00Z'], env);
    expect([alone.code, alone.stderr]).toEqual([1, expect.stringContaining('no existía')]);
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false); // started for the command, stopped after it
  }, 120_000);
});

describe('startEmbeddedPostgres and a terminating signal', () => {
  const dataDir = join(__dirname, '../../.data', `spec-signal-${Date.now()}-${randomBytes(3).toString('hex')}`);
  afterAll(() => {
    for (const path of [dataDir, `${dataDir}.password`, `${dataDir}.lock`, `${dataDir}.owner`]) rmSync(path, { recursive: true, force: true });
  });

  it.each(['alone', 'with-hooks'] as const)('stops the server it started when SIGTERM ends the process (%s)', async (mode) => {
    const child = await runChild(dataDir, mode);
    expect(child.said).toEqual({ ready: true });
    const postmaster = postmasterOf(dataDir);
    expect(isAlive(postmaster)).toBe(true);

    const exited = exitOf(child.process);
    child.process.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM'); // the signal still ends the process
    expect(await gone(postmaster, 10_000)).toBe(true);
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    // With shutdown hooks, the server was still up for the hooks' last query.
    if (mode === 'with-hooks') expect(child.output()).toContain('{"cleanupQuery":1}');
  }, 90_000);
});

describe('startEmbeddedPostgres and a server another process left running', () => {
  const dataDir = join(__dirname, '../../.data', `spec-adopt-${Date.now()}-${randomBytes(3).toString('hex')}`);
  const pidFile = join(dataDir, 'postmaster.pid');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (existsSync(pidFile)) {
      const left = postmasterOf(dataDir);
      if (isAlive(left)) process.kill(left, 'SIGINT');
      await gone(left, 10_000);
    }
    for (const path of [dataDir, `${dataDir}.password`, `${dataDir}.lock`, `${dataDir}.owner`]) rmSync(path, { recursive: true, force: true });
  });

  async function child(mode: ChildMode) {
    const started = await runChild(dataDir, mode);
    children.push(started.process);
    return started;
  }

  it('shares it while its owner runs; after the owner is killed with SIGKILL, the next process adopts it and stops it on exit', async () => {
    const owner = await child('alone');
    expect(owner.said).toEqual({ ready: true });
    const postmaster = postmasterOf(dataDir);

    // Its owner runs: a process that reuses the server and exits leaves it to the owner.
    const sharer = await child('report-and-exit');
    await exitOf(sharer.process);
    expect(sharer.said).toEqual({ reused: true, adopted: false });
    expect(isAlive(postmaster)).toBe(true);

    // The owner killed short of its shutdown: the server outlives it...
    owner.process.kill('SIGKILL');
    await exitOf(owner.process);
    expect(isAlive(postmaster)).toBe(true);

    // ...until the next process adopts it, and stops it when it exits.
    const adopter = await child('report-and-exit');
    await exitOf(adopter.process);
    expect(adopter.said).toEqual({ reused: true, adopted: true });
    expect(await gone(postmaster, 10_000)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(`${dataDir}.owner`)).toBe(false);
  }, 120_000);

  it('leaves a released server running when its owner exits, for the next process to adopt', async () => {
    const releaser = await child('release-and-exit');
    await exitOf(releaser.process);
    expect(releaser.said).toEqual({ reused: false, adopted: false });
    const postmaster = postmasterOf(dataDir);
    expect(isAlive(postmaster)).toBe(true);
    expect(readFileSync(`${dataDir}.owner`, 'utf8')).toBe(''); // released: nobody owns it

    const adopter = await child('report-and-exit');
    await exitOf(adopter.process);
    expect(adopter.said).toEqual({ reused: true, adopted: true });
    expect(await gone(postmaster, 10_000)).toBe(true);
  }, 120_000);
});

describe('startEmbeddedPostgres as root from a folder the postgres user cannot reach', () => {
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('keeps the data under /var/lib/govflow behind a link and still starts', async () => { // skipped unless root: only root hands the server to another user
    const privateHome = mkdtempSync(join(tmpdir(), 'govflow-private-')); // mode 700, like /root
    const dataDir = join(privateHome, 'postgres');
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(server.dataDir.startsWith('/var/lib/govflow/')).toBe(true);
      expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
      rmSync(dirname(server.dataDir), { recursive: true, force: true });
      rmSync(privateHome, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the test database from the global setup', () => {
  it('is migrated', async () => {
    const url = process.env.DATABASE_URL;
    expect(url).toMatch(/\/govflow_test_\d+_\d+_[0-9a-f]+$/);
    const rows = await query<{ table_name: string }>(url!, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['events', 'streams', 'outbox']));
  });
});
