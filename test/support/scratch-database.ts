import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, runMigrations } from '@govflow/database';

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops it once no backend is connected to it any more. */
  drop(): Promise<void>;
}

/**
 * A migrated database of its own on the test server, for a suite that truncates or seeds
 * tables the other suites share.
 */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const serverUrl = process.env.DATABASE_URL!;
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await createDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  await runMigrations(url);
  return {
    name,
    url,
    drop: async () => {
      // pool.end() resolves once its clients are told to end, not once their backends are gone;
      // dropping the database (WITH FORCE) before that would hit them with an error of its own.
      const server = new Client({ connectionString: serverUrl });
      await server.connect();
      try {
        for (let i = 0; i < 100; i++) {
          const { rows } = await server.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await server.end();
      }
      await dropDatabase(serverUrl, name);
    },
  };
}
