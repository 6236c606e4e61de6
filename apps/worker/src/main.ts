import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from '@govflow/config';
import { WorkerModule } from './worker.module';

/**
 * The worker process: delivers notifications from the BullMQ queue. Run any number of them;
 * they share the work. Needs DATABASE_URL and REDIS_URL (without Redis, the API delivers by
 * itself and no worker is needed).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`govflow worker: configuración inválida / invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (!config.databaseUrl || !config.redisUrl) {
    console.error('govflow worker: DATABASE_URL y REDIS_URL son obligatorios / are required');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, config.databaseUrl), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  app.get(Logger).log(`govflow worker listo / ready: cola de notificaciones, concurrencia ${config.notifications.concurrency}`);
}

main().catch((error) => {
  console.error('govflow worker no pudo iniciar / failed to start:', error);
  process.exit(1);
});
