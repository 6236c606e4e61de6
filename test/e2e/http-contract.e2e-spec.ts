import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ADMIN_TOKEN, TestTable, bearer, code, createTable, planBody, startApi } from '../support/app';

describe('the HTTP contract: problem+json, order of refusals, directory', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;

  beforeAll(async () => {
    app = await startApi();
    http = request(app.getHttpServer());
    t = await createTable(app);
  });
  afterAll(() => app.close());

  const expectProblem = (res: request.Response, status: number, codeName: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code: codeName, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  };

  it('answers 401 without a token or with an unknown one, in Spanish by default and English on request', async () => {
    const none = await http.get('/v1/plans');
    expectProblem(none, 401, 'UNAUTHENTICATED');
    expect(none.body.detail).toContain('Falta el token');
    const unknown = await http.get('/v1/plans').set(bearer('not-a-token')).set('Accept-Language', 'en-US,en;q=0.9');
    expectProblem(unknown, 401, 'UNAUTHENTICATED');
    expect(unknown.body.detail).toBe('The token is not valid.');
  });

  it('answers 401 before 400: malformed JSON without a token is unauthenticated', async () => {
    const res = await http.post('/v1/plans').set('Content-Type', 'application/json').send('{"mesa": ');
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  it('answers 400 to malformed JSON and 413 to a body over 1 MiB', async () => {
    const token = t.tokens[t.members[0]];
    const malformed = await http.post('/v1/plans').set(bearer(token)).set('Content-Type', 'application/json').send('{"mesa": ');
    expectProblem(malformed, 400, 'VALIDATION_FAILED');
    const huge = await http
      .post('/v1/plans')
      .set(bearer(token))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: 'x'.repeat(1024 * 1024 + 10) }));
    expectProblem(huge, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 to unknown ids, malformed ids, unknown actions and unknown paths', async () => {
    const token = t.tokens[t.members[0]];
    expectProblem(await http.get(`/v1/plans/${randomUUID()}`).set(bearer(token)), 404, 'NOT_FOUND');
    expectProblem(await http.get('/v1/plans/not-a-uuid').set(bearer(token)), 404, 'NOT_FOUND');
    expectProblem(await http.get(`/v1/plans/${randomUUID()}/history`).set(bearer(token)), 404, 'NOT_FOUND');
    expectProblem(await http.get(`/v1/tasks/${randomUUID()}`).set(bearer(token)), 404, 'NOT_FOUND');
    expectProblem(await http.get('/v1/mesas/NO-SUCH').set(bearer(token)), 404, 'NOT_FOUND');
    expectProblem(await http.get('/v1/nothing-here').set(bearer(token)), 404, 'NOT_FOUND');
    // 404 wins over 400: an unknown plan with a bad body is not found
    expectProblem(await http.post(`/v1/plans/${randomUUID()}/actions/submit`).set(bearer(token)).send({ bogus: 1 }), 404, 'NOT_FOUND');
    const plan = await http.post('/v1/plans').set(bearer(token)).send(planBody(t)).expect(201);
    expectProblem(await http.post(`/v1/plans/${plan.body.id}/actions/teleport`).set(bearer(token)).send({}), 404, 'NOT_FOUND');
  });

  it('refuses unknown fields, wrong types and NUL characters with one entry per field', async () => {
    const token = t.tokens[t.members[0]];
    const res = await http.post('/v1/plans').set(bearer(token)).send({ ...planBody(t), title: 42, extra: 'x' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'title']);
    expect(res.body.errors.find((e: { field: string }) => e.field === 'extra').message).toBe('El campo «extra» no está permitido.');
    const nested = await http
      .post('/v1/plans')
      .set(bearer(token))
      .send(planBody(t, { commitments: [{ ref: 'C1', title: 'x', leadEntity: t.members[0], milestones: [{ ref: 'H1', title: 'y' }] }] }));
    expect(nested.body.errors).toEqual([expect.objectContaining({ field: 'commitments[0].milestones[0].dueDate' })]);
    const arrayBody = await http.post('/v1/plans').set(bearer(token)).send([1, 2]);
    expectProblem(arrayBody, 400, 'VALIDATION_FAILED');
    const nul = await http.post('/v1/plans').set(bearer(token)).send(planBody(t, { title: 'a\u0000b' }));
    expectProblem(nul, 400, 'VALIDATION_FAILED');
    const surrogate = await http.post('/v1/plans').set(bearer(token)).send(planBody(t, { objective: 'a\ud800b' }));
    expectProblem(surrogate, 400, 'VALIDATION_FAILED');
    expectProblem(await http.get('/v1/mesas/%00').set(bearer(token)), 404, 'NOT_FOUND');
    // endpoints that take no query or no body refuse fields too, as every other one does
    for (const path of ['/v1/entities?x=1', `/v1/mesas?sort=name`, `/v1/mesas/${t.mesa}?expand=plans`, `/v1/mesas/${t.mesa}/progress?x=1`]) {
      const unknown = await http.get(path).set(bearer(token));
      expectProblem(unknown, 400, 'VALIDATION_FAILED');
      expect(unknown.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^El campo «\w+» no está permitido\.$/) })]);
    }
    expectProblem(await http.get('/v1/audit/verify?fast=true').set(bearer(t.auditor)), 400, 'VALIDATION_FAILED');
    expectProblem(await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).send({ note: 'x' }), 400, 'VALIDATION_FAILED');
    const badPercent = await http.get('/v1/plans/%ZZ').set(bearer(token));
    expectProblem(badPercent, 400, 'VALIDATION_FAILED');
    expect(badPercent.body.detail).toBe('La ruta tiene un «%» que no forma un carácter válido.');
    // 404 before 400: an unknown institution is not found, whatever its body says
    expectProblem(await http.put('/v1/entities/NOPE-NOPE/channels').set(bearer(ADMIN_TOKEN)).send({ email: 'no es un correo' }), 404, 'NOT_FOUND');
  });

  it('lets only admins change the directory, records it, and refuses duplicates', async () => {
    const official = t.tokens[t.members[0]];
    expectProblem(await http.post('/v1/entities').set(bearer(official)).send({ code: code(), name: 'X' }), 403, 'FORBIDDEN');
    expectProblem(await http.post('/v1/entities').set(bearer(t.auditor)).send({ code: code(), name: 'X' }), 403, 'FORBIDDEN');
    expectProblem(await http.post('/v1/actors').set(bearer(official)).send({ name: 'X', entity: t.members[0], roles: ['admin'] }), 403, 'FORBIDDEN');
    const entity = code();
    await http.post('/v1/entities').set(bearer(ADMIN_TOKEN)).send({ code: entity, name: 'Nueva' }).expect(201);
    expectProblem(await http.post('/v1/entities').set(bearer(ADMIN_TOKEN)).send({ code: entity, name: 'Otra' }), 409, 'VERSION_CONFLICT');
    expectProblem(await http.post('/v1/entities').set(bearer(ADMIN_TOKEN)).send({ code: 'lower case', name: 'x' }), 400, 'VALIDATION_FAILED');
    const list = await http.get('/v1/entities').set(bearer(official)).expect(200);
    expect(list.body.items.map((e: { code: string }) => e.code)).toContain(entity);

    const badMesa = await http
      .post('/v1/mesas')
      .set(bearer(ADMIN_TOKEN))
      .send({ code: code('MESA'), name: 'M', coordinator: entity, technicalReviewer: 'NOPE-NOPE', members: [], invited: [entity] });
    expectProblem(badMesa, 400, 'VALIDATION_FAILED');
    expect(badMesa.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['invited[0]', 'technicalReviewer']);
    const oneInstitution = await http
      .post('/v1/mesas')
      .set(bearer(ADMIN_TOKEN))
      .send({ code: code('MESA'), name: 'M', coordinator: entity, technicalReviewer: entity, members: [] });
    expectProblem(oneInstitution, 400, 'VALIDATION_FAILED');
    expect(oneInstitution.body.errors).toEqual([{ field: 'technicalReviewer', message: expect.stringContaining('no puede coordinar la mesa y también hacer su revisión técnica') }]);

    const actor = await http.post('/v1/actors').set(bearer(ADMIN_TOKEN)).send({ name: 'Nueva persona', entity, roles: ['official'] }).expect(201);
    expect(actor.body).toMatchObject({ name: 'Nueva persona', entity, roles: ['official'], token: expect.any(String) });
    await http.get('/v1/entities').set(bearer(actor.body.token)).expect(200);

    const mesa = await http.get(`/v1/mesas/${t.mesa}`).set(bearer(official)).expect(200);
    expect(mesa.body).toMatchObject({ code: t.mesa, coordinator: t.coordinator, technicalReviewer: t.reviewer, workflow: 'action-plan' });
  });

  it('keeps tokens out of events: the directory is replayable but secrets stay apart', async () => {
    const res = await http.post('/v1/actors').set(bearer(ADMIN_TOKEN)).send({ name: 'Secreta', entity: t.members[0], roles: ['official'] }).expect(201);
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: process.env.DATABASE_URL });
    try {
      const { rows } = await pool.query(`SELECT data::text AS data, metadata::text AS metadata FROM events WHERE stream_id = $1`, [`actor-${res.body.id}`]);
      expect(rows).toHaveLength(1);
      expect(rows[0].data).not.toContain(res.body.token);
      expect(rows[0].metadata).not.toContain(res.body.token);
    } finally {
      await pool.end();
    }
  });

  it('reports health and serves the OpenAPI document', async () => {
    const health = await http.get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { status: 'up' } });
    const docs = await http.get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/plans', '/v1/plans/{id}/actions/{action}', '/v1/tasks']));
  });
});
