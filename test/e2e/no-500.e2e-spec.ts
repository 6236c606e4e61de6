import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ADMIN_TOKEN, TestTable, bearer, createTable, planBody, startApi } from '../support/app';

/** No input a client can send produces a 500: a corpus of hostile bodies, queries and headers on every endpoint. */
describe('hostile input never produces a 500', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let planId: string;
  let actorId: string;

  beforeAll(async () => {
    app = await startApi();
    http = request(app.getHttpServer());
    t = await createTable(app);
    planId = (await http.post('/v1/plans').set(bearer(t.tokens[t.members[0]])).send(planBody(t)).expect(201)).body.id;
    actorId = (await http.post('/v1/actors').set(bearer(ADMIN_TOKEN)).send({ name: 'Blanco', entity: t.members[0], roles: ['official'] }).expect(201)).body.id;
  });
  afterAll(() => app.close());

  const bodies: unknown[] = [
    null,
    [],
    [{}],
    'texto',
    42,
    true,
    { __proto__: { admin: true } },
    { constructor: { prototype: {} } },
    { title: { $ne: 1 } },
    { commitments: [null, 1, 'x', []] },
    { commitments: [{ milestones: [null] }] },
    { observations: 'x', responses: { a: 1 }, presentation: [] },
    { observations: [{ text: 'x'.repeat(6000) }] },
    { rationale: 'r'.repeat(10_000) },
    { presentation: { date: '2024-13-45', forum: '' } },
    { responses: [{ observationId: null, response: 1 }] },
    { mesa: '../../etc', title: 'x', objective: 'y', commitments: [] },
    { code: 'A'.repeat(500), name: 'x' },
    { members: Array.from({ length: 500 }, (_, i) => `M${i}`) },
    { roles: ['root'], entity: 'X', name: 'y' },
    JSON.parse('{"a":' + '['.repeat(2000) + ']'.repeat(2000) + '}'),
  ];

  const posts = () => [
    '/v1/plans',
    `/v1/plans/${planId}/actions/submit`,
    `/v1/plans/${planId}/actions/request-changes`,
    `/v1/plans/${planId}/actions/record-presentation`,
    '/v1/entities',
    '/v1/mesas',
    '/v1/actors',
    `/v1/actors/${actorId}/revoke`,
  ];

  it('answers every hostile body with a 4xx problem', async () => {
    for (const token of [t.tokens[t.members[0]], t.tokens[t.coordinator], ADMIN_TOKEN]) {
      for (const path of posts()) {
        for (const body of bodies) {
          const res = await http.post(path).set(bearer(token)).set('Content-Type', 'application/json').send(JSON.stringify(body));
          if (res.status >= 500) throw new Error(`${path} ${JSON.stringify(body).slice(0, 80)} -> ${res.status} ${JSON.stringify(res.body)}`);
          expect(res.headers['content-type']).toMatch(/json/);
        }
      }
      const put = await http.put(`/v1/plans/${planId}`).set(bearer(token)).send({ commitments: [null] });
      expect(put.status).toBeLessThan(500);
    }
  });

  it('refuses numbers too large for a double (1e999 parses as Infinity) with a 400, on every command', async () => {
    const token = bearer(t.tokens[t.members[0]]);
    for (const path of posts()) {
      // each path as someone allowed on it: the 400 is about the body, not a refusal
      const caller = path.startsWith('/v1/plans') ? token : bearer(ADMIN_TOKEN);
      for (const raw of ['{"foo":1e999}', '{"rationale":"x","n":[-1e400]}']) {
        const res = await http.post(path).set(caller).set('Content-Type', 'application/json').send(raw);
        expect([path, raw, res.status]).toEqual([path, raw, 400]);
        expect(res.body.errors).toEqual([{ field: 'body', message: 'Hay un número demasiado grande para representarlo (por ejemplo 1e999).' }]);
      }
    }
    // an unknown plan or action: the body is refused before the plan is looked up, as malformed JSON is
    for (const path of [`/v1/plans/${randomUUID()}/actions/submit`, `/v1/plans/${planId}/actions/bogus`]) {
      const res = await http.post(path).set(token).set('Content-Type', 'application/json').send('{"foo":1e999}');
      expect([path, res.status]).toEqual([path, 400]);
    }
    const put = await http.put(`/v1/plans/${planId}`).set(token).set('Content-Type', 'application/json').send('{"title":1e999}');
    expect(put.status).toBe(400);
  });

  it('answers hostile queries, paths and headers with a 4xx', async () => {
    const token = bearer(t.tokens[t.members[0]]);
    const gets = [
      '/v1/plans?status=draft&status=withdrawn',
      '/v1/plans?limit=abc',
      '/v1/plans?limit=-1',
      '/v1/plans?limit=1e309',
      '/v1/plans?mesa=%00',
      '/v1/plans?cursor=%00%00',
      '/v1/plans?cursor=W10',
      `/v1/plans/${planId}/state?at=2024-13-45T99:99:99Z`,
      `/v1/plans/${planId}/state?at=%00`,
      `/v1/plans/${planId}/state?version=0`,
      `/v1/plans/${planId}/state?version=99999999999999999999`,
      `/v1/plans/${planId}/state?at=2024-01-01&version=1`,
      `/v1/plans/${planId}/state`,
      '/v1/tasks?plan=not-a-uuid',
      '/v1/tasks?overdue=maybe',
      '/v1/tasks?entity=%C0%AF',
      '/v1/tasks/%00',
      '/v1/mesas/%E2%82',
      `/v1/plans/${randomUUID()}/state?at=2024-01-01`,
      // dates PostgreSQL refuses or JavaScript rolls over into another day
      `/v1/plans/${planId}/state?at=0000-01-01T00:00:00Z`,
      `/v1/plans/${planId}/state?at=2026-02-30`,
      `/v1/plans/${planId}/state?at=2026-01-01T24:00:00Z`,
      `/v1/mesas/${t.mesa}/state?at=0000-01-01T00:00:00Z`,
      `/v1/mesas/${t.mesa}/state?at=2026-02-30T00:00:00Z`,
      // cursors crafted by hand: a date or an id PostgreSQL cannot cast
      ...[['0', randomUUID()], ['2026-02-30T00:00:00Z', randomUUID()], ['2026-01-01T00:00:00\u0000Z', randomUUID()], ['2026-01-01T00:00:00Z', '-'.repeat(36)]].map(
        (value) => `/v1/plans?cursor=${Buffer.from(JSON.stringify(value)).toString('base64url')}`,
      ),
    ];
    for (const path of gets) {
      const res = await http.get(path).set(token);
      if (res.status >= 500) throw new Error(`${path} -> ${res.status} ${JSON.stringify(res.body)}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    for (const ifMatch of ['abc', '"-1"', '"99999999999999999999"', 'W/"x"']) {
      const res = await http.post(`/v1/plans/${planId}/actions/submit`).set(token).set('If-Match', ifMatch).send({});
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const longKey = await http.post(`/v1/plans/${planId}/actions/submit`).set(token).set('Idempotency-Key', 'k'.repeat(300)).send({});
    expect(longKey.status).toBe(400);
    const weirdAuth = await http.get('/v1/plans').set('Authorization', `Bearer ${'x'.repeat(10_000)}`);
    expect(weirdAuth.status).toBe(401);
    // an export whose range PostgreSQL would refuse mid-stream, after a 200 had gone out
    for (const query of ['from=0000-01-01T00:00:00Z', 'to=2026-02-30', 'from=2026-02-01&to=2026-01-01']) {
      const res = await http.get(`/v1/audit/export?${query}`).set(bearer(t.auditor));
      expect([query, res.status, res.headers['content-type']]).toEqual([query, 400, expect.stringContaining('application/problem+json')]);
    }
  });
});
