import 'reflect-metadata';
import { loadConfig } from '@govflow/config';

/**
 * The worker process: it will consume the notification and timer queues (BullMQ on Redis).
 * Until those land it validates its configuration and waits for a stop signal, so the
 * production shape (api and worker as separate processes) can already be deployed.
 */
function main(): void {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('govflow worker: DATABASE_URL es obligatorio / is required');
    process.exit(2);
  }
  console.log(`govflow worker listo / ready (redis: ${config.redisUrl ? 'configurado' : 'no configurado'}); sin colas todavía / no queues yet`);
  const keepAlive = setInterval(() => undefined, 60_000);
  const stop = () => {
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
