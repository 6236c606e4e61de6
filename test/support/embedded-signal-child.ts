// Child process for embedded-postgres.int-spec.ts: starts an embedded server on argv[2], then
// waits to be signalled. With argv[3] === 'with-hooks' it also listens as Nest's shutdown hooks
// do: a query during the cleanup, then the signal raised again. With 'report-and-exit' it
// prints whether the server was reused or adopted and ends (nothing left to keep it running);
// with 'release-and-exit' it releases the server first (left running for others).
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/database/src';

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2] });
  if (process.argv[3] === 'report-and-exit' || process.argv[3] === 'release-and-exit') {
    if (process.argv[3] === 'release-and-exit') server.release();
    console.log(JSON.stringify({ reused: server.reused, adopted: server.adopted }));
    return;
  }
  if (process.argv[3] === 'with-hooks') {
    const cleanup = async (signal: NodeJS.Signals) => {
      await new Promise((r) => setTimeout(r, 300));
      const client = new Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query('SELECT 1 AS up');
      await client.end();
      console.log(JSON.stringify({ cleanupQuery: rows[0].up }));
      process.removeListener('SIGTERM', cleanup);
      process.kill(process.pid, signal);
    };
    process.on('SIGTERM', cleanup);
  }
  console.log(JSON.stringify({ ready: true }));
  setInterval(() => undefined, 60_000);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
