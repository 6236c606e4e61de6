import 'reflect-metadata';
import { loadConfig } from '@govflow/config';
import { databaseUrl, runMigrations, startEmbeddedPostgres } from '@govflow/database';
import { EventStore } from '@govflow/event-store';
import { rebuildPlanAndTaskProjections } from '@govflow/plans/rebuild/rebuild-projections';
import { REBUILD_NODE_FLAGS, relaunchWithNodeFlags } from '@govflow/plans/rebuild/rebuild-process';
import { Pool } from 'pg';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyExportFile } from '@govflow/audit/offline-verifier';
import { createPublicKey, randomUUID } from 'node:crypto';
import { BOOTSTRAP_ADMIN, CreateActorRequest, DirectoryCommands, DirectoryService } from '@govflow/directory';
import { DomainError, isInstant } from '@govflow/domain';
import { validateDto } from '@govflow/http';
import { foldPlanFrom, planStreamId } from '@govflow/plans/plan.repository';
import { toPlanView } from '@govflow/plans/plan.view';

/**
 * govflow's command line for admins and auditors. Exit codes: 0 ok, 1 failure found,
 * 2 usage or configuration error.
 */
const USAGE = `uso / usage: govflow <comando>

  migrate               aplica las migraciones pendientes a DATABASE_URL / apply pending migrations to DATABASE_URL
  rebuild-projections   reconstruye planes y tareas desde los eventos / rebuild plans and tasks from the events
  replay <plan-id> --at <ISO-8601>
                        el plan tal como estaba en ese momento, desde los eventos / the plan as it was then
  actors create --name <nombre> --entity <CÓDIGO> --roles official[,auditor,admin]
                        crea una persona y muestra su token una sola vez / create a person, show the token once
  verify <export.ndjson> --key <public-key.pem> [--previous <exportación-anterior.ndjson>]
                        verifica sin base de datos una exportación de auditoría / verify an audit export offline;
                        con --previous, exige los puntos de control de una exportación verificada antes /
                        with --previous, requires the checkpoints of an export verified before
                        (0 íntegra / intact, 1 alterada / tampered, 2 uso / usage)
  help        esta ayuda / this help`;

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at > 0 ? argv[at + 1] : undefined;
}

/**
 * The database the CLI works on: DATABASE_URL, else the embedded PostgreSQL that `npm start`
 * keeps under GOVFLOW_DATA_DIR (shared with a running API, or started for the command and
 * stopped after it). Undefined when there is neither.
 */
async function database(): Promise<{ url: string; done: () => Promise<void> } | undefined> {
  const config = loadConfig();
  if (config.databaseUrl) return { url: config.databaseUrl, done: async () => undefined };
  const dataDir = join(config.dataDir, 'postgres');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return undefined;
  const server = await startEmbeddedPostgres({ dataDir });
  // A server an API still uses is left to it; one this command started or took over is stopped.
  const shared = server.reused && !server.adopted;
  return { url: databaseUrl(server.url, 'govflow'), done: () => (shared ? Promise.resolve() : server.stop()) };
}

const NO_DATABASE = [
  'no hay base de datos: defina DATABASE_URL, o ejecute `npm start` una vez para crear el PostgreSQL embebido',
  'no database: set DATABASE_URL, or run `npm start` once to create the embedded PostgreSQL',
].join('\n');

/** Runs `work` on the CLI's database (see database()); 2 with a message when there is none. */
async function withDatabase(work: (url: string) => Promise<number>): Promise<number> {
  const db = await database();
  if (!db) {
    console.error(NO_DATABASE);
    return 2;
  }
  try {
    return await work(db.url);
  } finally {
    await db.done();
  }
}

async function withStore(databaseUrl: string, work: (store: EventStore, pool: Pool) => Promise<number>): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    return await work(new EventStore(pool), pool);
  } finally {
    await pool.end();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'migrate':
      return withDatabase(async (url) => {
        const applied = await runMigrations(url);
        console.log(applied.length ? `migraciones aplicadas: ${applied.join(', ')}` : 'sin migraciones pendientes / nothing to migrate');
        return 0;
      });
    case 'rebuild-projections': {
      const relaunched = await relaunchWithNodeFlags(REBUILD_NODE_FLAGS);
      if (relaunched !== undefined) return relaunched;
      return withDatabase((url) =>
        withStore(url, async (store) => {
          const rebuilt = await rebuildPlanAndTaskProjections(store);
          console.log(`reconstruidos / rebuilt: ${rebuilt.plans} planes, ${rebuilt.tasks} tareas`);
          return 0;
        }),
      );
    }
    case 'replay': {
      const planId = argv[1];
      const at = option(argv, '--at');
      if (!planId || !at || !isInstant(at)) {
        console.error('uso / usage: govflow replay <plan-id> --at <ISO-8601>');
        return 2;
      }
      return withDatabase((url) =>
        withStore(url, async (store) => {
          const state = foldPlanFrom(null, await store.readStream(planStreamId(planId), { until: new Date(at).toISOString() }));
          if (!state) {
            console.error(`el plan ${planId} no existía en ${at} / did not exist then`);
            return 1;
          }
          console.log(JSON.stringify(toPlanView(state), null, 2));
          return 0;
        }),
      );
    }
    case 'actors': {
      const roles = option(argv, '--roles')?.split(',');
      if (argv[1] !== 'create') {
        console.error('uso / usage: govflow actors create --name <nombre> --entity <CÓDIGO> --roles official[,auditor,admin]');
        return 2;
      }
      const request = validateDto(CreateActorRequest, { name: option(argv, '--name'), entity: option(argv, '--entity'), roles });
      return withDatabase((url) => withStore(url, async (store, pool) => {
        const commands = new DirectoryCommands(store, new DirectoryService(pool));
        const ctx = { actor: BOOTSTRAP_ADMIN, now: new Date().toISOString(), commandId: randomUUID(), correlationId: 'cli' };
        const actor = await commands.createActor(request, ctx);
        console.log(`actor ${actor.id} (${actor.name}, ${actor.entity}, ${actor.roles.join(',')})`);
        console.log(`token (se muestra una sola vez / shown once): ${actor.token}`);
        return 0;
      }));
    }
    case 'verify': {
      const file = argv[1];
      const keyAt = argv.indexOf('--key');
      const keyFile = keyAt > 0 ? argv[keyAt + 1] : undefined;
      const previous = option(argv, '--previous');
      const isFile = (path: string | undefined): path is string => !!path && existsSync(path) && statSync(path).isFile();
      if (!isFile(file) || !isFile(keyFile) || (argv.includes('--previous') && !isFile(previous))) {
        console.error(`uso / usage: govflow verify <export.ndjson> --key <public-key.pem> [--previous <export.ndjson>]`);
        return 2;
      }
      let publicKey = readFileSync(keyFile, 'utf8');
      try {
        // GET /v1/audit/public-key's JSON is accepted as it is.
        if (publicKey.trim().startsWith('{')) publicKey = JSON.parse(publicKey).publicKey;
        createPublicKey(publicKey);
      } catch (error) {
        console.error(`la clave pública no se puede leer / the public key cannot be read (${keyFile}): ${(error as Error).message}`);
        return 2;
      }
      const report = await verifyExportFile(file, publicKey, { previous });
      for (const f of report.failures) {
        console.log(`línea ${f.line}${f.streamId ? ` ${f.streamId}` : ''}${f.version !== undefined ? ` v${f.version}` : ''}: ${f.reason}`);
      }
      for (const note of report.notes) console.log(`nota / note: ${note}`);
      console.log(
        `${report.ok ? 'íntegra / intact' : 'ALTERADA / TAMPERED'}: ${count(report.events, 'evento', 'eventos')}, ${count(report.streams, 'flujo', 'flujos')}, ${count(report.checkpoints, 'punto de control', 'puntos de control')}, ${report.signedEvents} bajo firma, ${report.sealed ? 'sello válido' : 'SIN SELLO VÁLIDO'}, ${count(report.failures.length, 'falla', 'fallas')}`,
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
    // Domain refusals (a bad field, an unknown institution) are usage errors, said in Spanish first.
    if (error instanceof DomainError) {
      const fields = 'errors' in error ? (error as { errors: { field: string; message: { es: string } }[] }).errors : [];
      console.error([error.text.es, ...fields.map((f) => `  ${f.field}: ${f.message.es}`)].join('\n'));
    } else console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
