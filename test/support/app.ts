import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@govflow/config';
import { createApiApp } from '../../apps/api/src/app.factory';

export const ADMIN_TOKEN = `test-admin-${randomBytes(12).toString('hex')}`;

/** The real API on the test database (migrated by jest's global setup). */
export async function startApi(env: Record<string, string | undefined> = {}, databaseUrl = process.env.DATABASE_URL): Promise<INestApplication> {
  const url = databaseUrl;
  if (!url) throw new Error('DATABASE_URL is not set: the integration project\'s global setup should have set it');
  // Timers off unless a suite asks: the test tasks are overdue, and every API of the run would
  // otherwise escalate every suite's tasks in the background, changing their versions mid-test.
  const config = { ...loadConfig({ ...process.env, LOG_LEVEL: 'silent', LOG_FORMAT: 'json', GOVFLOW_TASK_TIMERS: 'false', ...env }), adminToken: ADMIN_TOKEN, dbPoolSize: 10 };
  const app = await createApiApp(config, url);
  await app.init();
  return app;
}

export const code = (prefix = 'E'): string => `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`;

export interface TestTable {
  mesa: string;
  coordinator: string;
  reviewer: string;
  members: string[];
  invited: string[];
  outsider: string;
  tokens: Record<string, string>;
  /** A second official of the coordinator and the reviewer, for four-eyes checks. */
  second: { coordinator: string; reviewer: string };
  auditor: string;
}

/** A fresh table with unique codes and one official per institution: tests never share data. */
export async function createTable(app: INestApplication): Promise<TestTable> {
  const http = request(app.getHttpServer());
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const [coordinator, reviewer, m1, m2, invited, outsider, comptroller] = ['C', 'R', 'M', 'M', 'I', 'O', 'A'].map(code);
  for (const entity of [coordinator, reviewer, m1, m2, invited, outsider, comptroller]) {
    await http.post('/v1/entities').set(admin).send({ code: entity, name: `Institución ${entity}` }).expect(201);
  }
  const mesa = code('MESA');
  await http
    .post('/v1/mesas')
    .set(admin)
    .send({ code: mesa, name: `Mesa ${mesa}`, coordinator, technicalReviewer: reviewer, members: [m1, m2], invited: [invited] })
    .expect(201);
  const official = async (entity: string, roles = ['official']) =>
    (await http.post('/v1/actors').set(admin).send({ name: `Persona de ${entity}`, entity, roles }).expect(201)).body.token as string;
  const tokens: Record<string, string> = {};
  for (const entity of [coordinator, reviewer, m1, m2, invited, outsider]) tokens[entity] = await official(entity);
  return {
    mesa,
    coordinator,
    reviewer,
    members: [m1, m2],
    invited: [invited],
    outsider,
    tokens,
    second: { coordinator: await official(coordinator), reviewer: await official(reviewer) },
    auditor: await official(comptroller, ['auditor']),
  };
}

export function planBody(table: TestTable, overrides: Record<string, unknown> = {}) {
  const [m1, m2] = table.members;
  return {
    mesa: table.mesa,
    title: 'Plan de acción de prueba',
    objective: 'Probar el flujo completo.',
    commitments: [
      {
        ref: 'C1',
        title: 'Gobierno digital',
        leadEntity: m1,
        supportEntities: [table.invited[0]],
        milestones: [
          { ref: 'H1', title: 'Catálogo de trámites', dueDate: '2025-03-31' },
          { ref: 'H2', title: 'Ventanilla única', dueDate: '2025-09-30', responsibleEntity: m2 },
        ],
      },
      { ref: 'C2', title: 'Ciberseguridad', leadEntity: m2, milestones: [{ ref: 'H1', title: 'Estrategia nacional', dueDate: '2025-12-31' }] },
    ],
    ...overrides,
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A streamed answer (the audit export's NDJSON) read whole into `body` as text. */
export const getText = (http: ReturnType<typeof request>, path: string, token: string) =>
  http
    .get(path)
    .set(bearer(token))
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });

/** The README's standalone export verifier, exactly as printed there. */
export const readmeVerifyScript = (): string =>
  /so it\ncannot drift from the format\):\n\n```js\n([\s\S]*?)```/.exec(readFileSync(join(__dirname, '../../README.md'), 'utf8'))![1];
