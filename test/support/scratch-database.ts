import { randomBytes } from 'node:crypto';
import { createDatabase, databaseUrl, dropDatabase, runMigrations } from '@govflow/database';

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops it once no backend is connected to it any more (waiting up to 5 s). */
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
    drop: () => dropDatabase(serverUrl, name, { waitForClientsMs: 5000 }),
  };
}
