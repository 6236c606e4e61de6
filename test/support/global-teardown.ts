import { dropDatabase } from '../../libs/database/src';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as any).__govflowTestDatabase as { serverUrl: string; name: string } | undefined;
  if (db) await dropDatabase(db.serverUrl, db.name);
  const embedded = (globalThis as any).__govflowEmbedded as { stop(): Promise<void> } | undefined;
  if (embedded) await embedded.stop();
}
