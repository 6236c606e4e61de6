import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { createDatabase, databaseUrl, runMigrations, startEmbeddedPostgres } from '../../libs/database/src';

function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * One fresh, migrated database per run: on DATABASE_URL's server when set, otherwise on
 * embedded PostgreSQL under .data/test-postgres. Workers inherit DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  let serverUrl = process.env.DATABASE_URL;
  let source = 'DATABASE_URL';
  if (!serverUrl) {
    const server = await startEmbeddedPostgres({ dataDir: join(__dirname, '../../.data/test-postgres') });
    (globalThis as any).__govflowEmbedded = server;
    serverUrl = server.url;
    source = 'embedded PostgreSQL (.data/test-postgres)';
  }
  const name = `govflow_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await createDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  await runMigrations(url);
  (globalThis as any).__govflowTestDatabase = { serverUrl, name };
  process.env.DATABASE_URL = url;
  if (!process.env.REDIS_URL && (await answers(6379))) process.env.REDIS_URL = 'redis://127.0.0.1:6379';
  console.log(`\n[govflow tests] PostgreSQL: ${source}, database ${name} (ready in ${Date.now() - started} ms)`);
}
