import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PLAN_ACTIONS, TASK_ACTIONS } from '@govflow/domain';
import { TestTable, bearer, code, createTable, planBody, startApi } from '../support/app';

/** Auditors read everything and change nothing: every mutating endpoint refuses their token with 403. */
describe("an auditor's token", () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let plan: string;
  let task: string;

  beforeAll(async () => {
    app = await startApi({ REDIS_URL: undefined });
    http = request(app.getHttpServer());
    t = await createTable(app);
    const drafter = bearer(t.tokens[t.members[0]]);
    plan = (await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201)).body.id;
    const other = (await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201)).body.id;
    await http.post(`/v1/plans/${other}/actions/submit`).set(drafter).expect(200);
    await http.post(`/v1/plans/${other}/actions/approve`).set(bearer(t.tokens[t.reviewer])).expect(200);
    await http.post(`/v1/plans/${other}/actions/endorse`).set(bearer(t.tokens[t.coordinator])).expect(200);
    await http.post(`/v1/plans/${other}/actions/record-presentation`).set(bearer(t.tokens[t.coordinator])).send({ presentation: { date: '2024-10-31', forum: 'Gabinete' } }).expect(200);
    task = (await http.get(`/v1/tasks?plan=${other}`).set(drafter).expect(200)).body.items[0].id;
  });
  afterAll(() => app.close());

  it('is refused with 403 by every mutating endpoint, and reads everything', async () => {
    const auditor = bearer(t.auditor);
    const { mesa: _mesa, ...content } = planBody(t);
    const attempts: [string, request.Test][] = [
      ['POST /v1/entities', http.post('/v1/entities').send({ code: code(), name: 'X' })],
      ['PUT /v1/entities/:code/channels', http.put(`/v1/entities/${t.members[0]}/channels`).send({ email: 'a@b.example' })],
      ['POST /v1/mesas', http.post('/v1/mesas').send({ code: code('MESA'), name: 'M', coordinator: t.coordinator, technicalReviewer: t.reviewer, members: [] })],
      ['POST /v1/actors', http.post('/v1/actors').send({ name: 'X', entity: t.members[0], roles: ['official'] })],
      ['POST /v1/actors/:id/revoke', http.post(`/v1/actors/${randomUUID()}/revoke`).send({ rationale: 'x' })],
      ['POST /v1/plans', http.post('/v1/plans').send(planBody(t))],
      ['PUT /v1/plans/:id', http.put(`/v1/plans/${plan}`).send(content)],
      ...PLAN_ACTIONS.map((a): [string, request.Test] => [`POST /v1/plans/:id/actions/${a}`, http.post(`/v1/plans/${plan}/actions/${a}`).send({ rationale: 'x' })]),
      ...TASK_ACTIONS.map((a): [string, request.Test] => [`POST /v1/tasks/:id/actions/${a}`, http.post(`/v1/tasks/${task}/actions/${a}`).send({ rationale: 'x' })]),
      ['POST /v1/inbox/:id/read', http.post(`/v1/inbox/${randomUUID()}/read`)],
      ['POST /v1/notifications/:id/redrive', http.post(`/v1/notifications/${randomUUID()}/redrive`)],
      ['POST /v1/audit/checkpoints', http.post('/v1/audit/checkpoints')],
    ];
    const refused: string[] = [];
    for (const [name, attempt] of attempts) {
      const res = await attempt.set(auditor);
      if (res.status !== 403) refused.push(`${name} -> ${res.status}`);
    }
    expect(refused).toEqual([]);
    const history = await http.get(`/v1/plans/${plan}/history`).set(auditor).expect(200);
    expect(history.body.items).toHaveLength(1); // and nothing was recorded
    await http.get(`/v1/tasks/${task}`).set(auditor).expect(200);
    await http.get('/v1/audit/verify').set(auditor).expect(200);
  });
});
