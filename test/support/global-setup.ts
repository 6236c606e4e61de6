import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, runMigrations, startEmbeddedPostgres, type EmbeddedServer } from '../../libs/database/src';

/** What global-teardown.ts needs (jest runs both in the same process). */
export interface GovflowTestGlobals {
  __govflowTestDatabase?: { serverUrl: string; name: string };
  __govflowEmbedded?: EmbeddedServer;
}

export const TEST_DATABASE_PREFIX = 'govflow_test_';

/** True when a Redis server answers PING on host:port (not merely something listening). */
function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** host:port/db without credentials, for the log line. */
function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
  } finally {
    await client.end();
  }
}

/**
 * One fresh, migrated database per run: on DATABASE_URL's server when set, otherwise on
 * embedded PostgreSQL under .data/test-postgres. Workers inherit DATABASE_URL (and REDIS_URL
 * when a local Redis answers).
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const globals = globalThis as GovflowTestGlobals;
  let serverUrl = process.env.DATABASE_URL;
  let source: string;
  if (serverUrl) {
    source = `DATABASE_URL (${describeUrl(serverUrl)})`;
  } else {
    const server = await startEmbeddedPostgres({ dataDir: join(__dirname, '../../.data/test-postgres') });
    globals.__govflowEmbedded = server;
    serverUrl = server.url;
    source = `embedded PostgreSQL on 127.0.0.1:${server.port} (.data/test-postgres, ${server.adopted ? 'adopted the server a killed run left' : server.reused ? 'reused a running server' : 'started'})`;
  }

  // The run's pid in the name: a teardown tells a live run's database from one a killed run left.
  const name = `${TEST_DATABASE_PREFIX}${Date.now()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    const version = await serverVersion(serverUrl);
    await createDatabase(serverUrl, name);
    globals.__govflowTestDatabase = { serverUrl, name };
    const url = databaseUrl(serverUrl, name);
    await runMigrations(url);
    process.env.DATABASE_URL = url;
    // Jobs of this run stay in this run's keys, even on a Redis shared with other runs.
    process.env.GOVFLOW_QUEUE_PREFIX = `gft_${name}`;
    if (!process.env.REDIS_URL && (await redisAnswers(6379))) process.env.REDIS_URL = 'redis://127.0.0.1:6379';
    console.log(`\n[govflow tests] PostgreSQL ${version}: ${source}; database ${name} (ready in ${Date.now() - started} ms)`);
  } catch (error) {
    // Jest does not run the teardown when setup fails: clean up here.
    if (globals.__govflowTestDatabase) await dropDatabase(serverUrl, name).catch(() => undefined);
    if (globals.__govflowEmbedded && (!globals.__govflowEmbedded.reused || globals.__govflowEmbedded.adopted)) await globals.__govflowEmbedded.stop().catch(() => undefined);
    throw error;
  }
}
