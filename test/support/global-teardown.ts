import { Client } from 'pg';
import { dropDatabase } from '../../libs/database/src';
import { TEST_DATABASE_PREFIX, type GovflowTestGlobals } from './global-setup';

/** Another run's test databases still present on the server, younger than an hour (by the timestamp in their names). */
async function otherActiveRuns(serverUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [TEST_DATABASE_PREFIX]);
    return rows
      .map((r) => r.datname)
      .filter((name) => Date.now() - Number(name.slice(TEST_DATABASE_PREFIX.length).split('_')[0]) < 60 * 60 * 1000);
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
    console.log(`[govflow tests] leaving embedded PostgreSQL running: another test run is using it (${others.join(', ')})`);
    return;
  }
  await embedded.stop();
}
