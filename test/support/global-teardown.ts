import { Client } from 'pg';
import { dropDatabase } from '../../libs/database/src';
import { TEST_DATABASE_PREFIX, type GovflowTestGlobals } from './global-setup';
import { isAlive } from './processes';

/**
 * Another run's test databases still present on the server whose run is alive: by the pid in
 * their names (govflow_test_<ms>_<pid>_<hex>), or, for names without one, younger than an hour.
 * A killed run's database does not count; it is dropped here.
 */
async function otherActiveRuns(serverUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [TEST_DATABASE_PREFIX]);
    const active: string[] = [];
    for (const name of rows.map((r) => r.datname)) {
      const [created, pid, hex] = name.slice(TEST_DATABASE_PREFIX.length).split('_');
      if (hex === undefined) {
        if (Date.now() - Number(created) < 60 * 60 * 1000) active.push(name);
        continue;
      }
      const run = Number(pid);
      if (run === process.pid) continue;
      if (isAlive(run)) active.push(name);
      else await dropDatabase(serverUrl, name).catch(() => undefined);
    }
    return active;
  } finally {
    await client.end();
  }
}

/** Drops this run's database; stops the embedded server unless another test run is still using it. */
export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as GovflowTestGlobals;
  const db = globals.__govflowTestDatabase;
  if (db) await dropDatabase(db.serverUrl, db.name);
  const embedded = globals.__govflowEmbedded;
  if (!embedded) return;
  // Two runs at once share .data/test-postgres (the second reuses the first's server).
  const others = await otherActiveRuns(embedded.url).catch(() => []);
  if (others.length > 0) {
    // Not stopped when this process exits either; the next run adopts it.
    embedded.release();
    console.log(`[govflow tests] leaving embedded PostgreSQL running: another test run may be using it (${others.join(', ')})`);
    return;
  }
  await embedded.stop();
}
