/**
 * One timed rebuild, in a process of its own started with the flags `govflow
 * rebuild-projections` runs with (REBUILD_NODE_FLAGS): prints {"ms", "plans", "tasks"}.
 * Spawned by replay.bench.ts; the time excludes this process's start and connection.
 */
import 'reflect-metadata';
import { Pool } from 'pg';
import { EventStore } from '@govflow/event-store';
import { rebuildPlanAndTaskProjections } from '@govflow/plans/rebuild/rebuild-projections';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    await pool.query('SELECT 1');
    const started = performance.now();
    const rebuilt = await rebuildPlanAndTaskProjections(new EventStore(pool));
    console.log(JSON.stringify({ ms: performance.now() - started, ...rebuilt }));
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
