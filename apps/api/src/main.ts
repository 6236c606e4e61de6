import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@govflow/config';
import { createDatabase, databaseUrl, runMigrations, startEmbeddedPostgres } from '@govflow/database';
import { DirectoryCommands, DirectoryService } from '@govflow/directory';
import { Client } from 'pg';
import { resolveAdminToken } from './admin-token';
import { createApiApp } from './app.factory';
import { demoActors, seedDemo } from './seed/demo-seed';

async function databaseFor(dataDir: string, configured?: string): Promise<{ url: string; embedded?: string }> {
  if (configured) return { url: configured };
  const server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres') });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'govflow'`);
  await client.end();
  if (rowCount === 0) await createDatabase(server.url, 'govflow');
  // Reused: left running by a process killed short of its shutdown (adopted: stopped when this
  // one exits), or by one that still runs and will stop it itself.
  const reused = server.adopted
    ? ' (retomado: lo dejó en marcha un proceso que ya no existe; se detendrá al salir)'
    : server.reused
      ? ' (compartido con otro proceso en marcha, que lo detendrá)'
      : '';
  return { url: databaseUrl(server.url, 'govflow'), embedded: `${server.dataDir}${reused}` };
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`govflow: configuración inválida / invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  config = { ...config, adminToken: admin.token };

  const database = await databaseFor(config.dataDir, config.databaseUrl);
  const applied = await runMigrations(database.url);
  const app = await createApiApp(config, database.url);
  await app.init();

  let seeded = false;
  if (config.seed === 'demo') seeded = await seedDemo(app.get(DirectoryService), app.get(DirectoryCommands));
  await app.listen(config.port, config.host);

  const base = `http://localhost:${config.port}`;
  const lines = [
    '',
    `govflow escuchando en ${base}  (OpenAPI: ${base}/docs, salud: ${base}/health)`,
    `  base de datos: ${database.embedded ? `PostgreSQL embebido en ${database.embedded}` : 'DATABASE_URL'}; migraciones aplicadas ahora: ${applied.length}`,
    `  token de administración (${admin.source === 'env' ? 'GOVFLOW_ADMIN_TOKEN' : join(config.dataDir, 'admin-token')}): ${admin.source === 'env' ? '(el de GOVFLOW_ADMIN_TOKEN)' : admin.token}`,
  ];
  if (config.seed === 'demo') {
    lines.push(`  mesas de demostración ${seeded ? 'creadas ahora' : 'ya existentes'}; tokens de demostración (solo para pruebas locales):`);
    for (const actor of demoActors()) lines.push(`    ${actor.entity.padEnd(9)} ${actor.roles.join(',').padEnd(9)} ${actor.token}`);
  }
  console.log(lines.join('\n'));
}

/** What a newcomer can act on, without a stack trace; undefined for anything else. */
function listenProblem(error: unknown): string | undefined {
  const { code, port, syscall } = (error ?? {}) as { code?: string; port?: number; syscall?: string };
  if (syscall !== 'listen') return undefined;
  if (code === 'EADDRINUSE') {
    return `el puerto ${port} ya está en uso (¿otro govflow en marcha?); elija otro con PORT=… / port ${port} is already in use (another govflow running?); choose another with PORT=…`;
  }
  if (code === 'EACCES') {
    return `sin permiso para escuchar en el puerto ${port} (los puertos menores que 1024 requieren privilegios); elija otro con PORT=… / no permission to listen on port ${port}; choose another with PORT=…`;
  }
  return undefined;
}

main().catch((error) => {
  const problem = listenProblem(error);
  if (problem) console.error(`govflow no pudo iniciar / failed to start: ${problem}`);
  else console.error('govflow no pudo iniciar / failed to start:', error);
  process.exit(1);
});
