import 'reflect-metadata';
import { loadConfig } from '@govflow/config';
import { runMigrations } from '@govflow/database';
import { EventStore } from '@govflow/event-store';
import { rebuildPlanAndTaskProjections } from '@govflow/plans/rebuild/rebuild-projections';
import { Pool } from 'pg';
import { existsSync, readFileSync } from 'node:fs';
import { verifyExportFile } from '@govflow/audit/offline-verifier';

/**
 * govflow's command line for admins and auditors. Exit codes: 0 ok, 1 failure found,
 * 2 usage or configuration error.
 */
const USAGE = `uso / usage: govflow <comando>

  migrate               aplica las migraciones pendientes a DATABASE_URL / apply pending migrations to DATABASE_URL
  rebuild-projections   reconstruye planes y tareas desde los eventos / rebuild plans and tasks from the events
  verify <export.ndjson> --key <public-key.pem>
                        verifica sin base de datos una exportación de auditoría / verify an audit export offline
                        (0 íntegra / intact, 1 alterada / tampered, 2 uso / usage)
  help        esta ayuda / this help`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'migrate': {
      const config = loadConfig();
      if (!config.databaseUrl) {
        console.error('DATABASE_URL no está definido: `npm start` aplica las migraciones al PostgreSQL embebido por sí solo.');
        console.error('DATABASE_URL is not set: `npm start` migrates the embedded PostgreSQL by itself.');
        return 2;
      }
      const applied = await runMigrations(config.databaseUrl);
      console.log(applied.length ? `migraciones aplicadas: ${applied.join(', ')}` : 'sin migraciones pendientes / nothing to migrate');
      return 0;
    }
    case 'rebuild-projections': {
      const config = loadConfig();
      if (!config.databaseUrl) {
        console.error('DATABASE_URL no está definido / is not set');
        return 2;
      }
      const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
      try {
        const rebuilt = await rebuildPlanAndTaskProjections(new EventStore(pool));
        console.log(`reconstruidos / rebuilt: ${rebuilt.plans} planes, ${rebuilt.tasks} tareas`);
      } finally {
        await pool.end();
      }
      return 0;
    }
    case 'verify': {
      const file = argv[1];
      const keyAt = argv.indexOf('--key');
      const keyFile = keyAt > 0 ? argv[keyAt + 1] : undefined;
      if (!file || !keyFile || !existsSync(file) || !existsSync(keyFile)) {
        console.error(`uso / usage: govflow verify <export.ndjson> --key <public-key.pem>`);
        return 2;
      }
      let publicKey = readFileSync(keyFile, 'utf8');
      // GET /v1/audit/public-key's JSON is accepted as it is.
      if (publicKey.trim().startsWith('{')) publicKey = JSON.parse(publicKey).publicKey;
      const report = await verifyExportFile(file, publicKey);
      for (const f of report.failures) {
        console.log(`línea ${f.line}${f.streamId ? ` ${f.streamId}` : ''}${f.version !== undefined ? ` v${f.version}` : ''}: ${f.reason}`);
      }
      console.log(
        `${report.ok ? 'íntegra / intact' : 'ALTERADA / TAMPERED'}: ${report.events} eventos, ${report.streams} flujos, ${report.checkpoints} puntos de control, ${report.failures.length} fallas`,
      );
      return report.ok ? 0 : 1;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`comando desconocido / unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
