import { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { PG_POOL } from '@govflow/event-store';
import { TestTable, bearer, createTable, planBody, startApi } from '../support/app';

describe('plans over HTTP: the action-plan@1 workflow', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;

  beforeAll(async () => {
    app = await startApi();
    http = request(app.getHttpServer());
    t = await createTable(app);
  });
  afterAll(() => app.close());

  const as = (token: string) => bearer(token);
  const open = async (token = t.tokens[t.members[0]]) => {
    const res = await http.post('/v1/plans').set(as(token)).send(planBody(t)).expect(201);
    return res.body.id as string;
  };
  const act = (id: string, action: string, token: string, body: object = {}) => http.post(`/v1/plans/${id}/actions/${action}`).set(as(token)).send(body);

  it('lets one of several concurrent decisions on a plan win; the others get 409 and leave nothing behind', async () => {
    const drafter = t.tokens[t.members[0]];
    const id = await open(drafter);
    await act(id, 'submit', drafter).expect(200);
    const tries = await Promise.all(Array.from({ length: 8 }, () => act(id, 'approve', t.tokens[t.reviewer])));
    expect(tries.filter((r) => r.status === 200)).toHaveLength(1);
    for (const lost of tries.filter((r) => r.status !== 200)) {
      expect(lost.status).toBe(409);
      // lost the race at COMMIT, or loaded the plan after the winner committed
      expect(['VERSION_CONFLICT', 'INVALID_TRANSITION']).toContain(lost.body.code);
      if (lost.body.code === 'VERSION_CONFLICT') expect(lost.body.detail).toBe(`Otra persona modificó el plan ${id} al mismo tiempo. Vuelva a cargarlo e intente de nuevo.`);
    }
    const pool = app.get<Pool>(PG_POOL);
    const { rows: events } = await pool.query(`SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`plan-${id}`]);
    expect(events.map((e) => e.type)).toEqual(['plan.opened', 'plan.submitted', 'plan.approved']);
    const { rows: plan } = await pool.query(`SELECT status, version FROM plans WHERE id = $1`, [id]);
    expect(plan[0]).toEqual({ status: 'endorsement', version: 3 });
    const { rows: told } = await pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT entity)::int AS entities, count(DISTINCT event_position)::int AS events
         FROM notifications WHERE plan_id = $1 AND type = 'plan.approved'`,
      [id],
    );
    expect(told[0].n).toBeGreaterThan(0);
    expect(told[0]).toEqual({ n: told[0].entities, entities: told[0].entities, events: 1 });
  });

  it('takes a plan from draft through changes, resubmission, approval, endorsement and presentation into implementation', async () => {
    const drafter = t.tokens[t.members[0]];
    const created = await http.post('/v1/plans').set(as(drafter)).send(planBody(t)).expect(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({ status: 'draft', version: 1, revision: 0, drafter: t.members[0], workflow: 'action-plan@1', canEdit: true });
    expect(created.body.allowedActions).toEqual(['submit']);
    const id = created.body.id;

    const submitted = await act(id, 'submit', drafter).expect(200);
    expect(submitted.headers.etag).toBe('"2"');
    expect(submitted.body).toMatchObject({ status: 'technical_review', version: 2, revision: 1 });
    expect(submitted.body.revisions[0].sha256).toMatch(/^[0-9a-f]{64}$/);

    const changes = await act(id, 'request-changes', t.tokens[t.reviewer], {
      rationale: 'Faltan líneas base',
      observations: [{ text: 'Agregar la línea base del indicador', commitmentRef: 'C1' }, { text: 'Revisar redacción', blocking: false }],
    }).expect(200);
    expect(changes.body.status).toBe('draft');
    expect(changes.body.observations.map((o: { id: string; blocking: boolean }) => [o.id, o.blocking])).toEqual([
      ['obs-1', true],
      ['obs-2', false],
    ]);

    const refused = await act(id, 'submit', drafter).expect(409);
    expect(refused.body.code).toBe('INVALID_TRANSITION');
    expect(refused.body.detail).toContain('obs-1');

    const resubmitted = await act(id, 'submit', drafter, { responses: [{ observationId: 'obs-1', response: 'Línea base 2023 agregada' }] }).expect(200);
    expect(resubmitted.body).toMatchObject({ status: 'technical_review', revision: 2 });
    expect(resubmitted.body.observations[0].response).toBe('Línea base 2023 agregada');

    await act(id, 'approve', t.tokens[t.reviewer], { rationale: 'Cumple' }).expect(200);
    await act(id, 'endorse', t.tokens[t.coordinator]).expect(200);
    const presented = await act(id, 'record-presentation', t.tokens[t.coordinator], {
      presentation: { date: '2024-10-31', forum: 'Consejo de Ministros' },
    }).expect(200);
    expect(presented.body).toMatchObject({ status: 'implementation', version: 7, presentation: { date: '2024-10-31', forum: 'Consejo de Ministros' } });
    expect(presented.body.tasks).toHaveLength(3);

    const tasks = await http.get(`/v1/tasks?plan=${id}`).set(as(drafter)).expect(200);
    expect(tasks.body.items.map((x: { milestoneRef: string; entity: string; status: string }) => [x.milestoneRef, x.entity, x.status]).sort()).toEqual(
      [
        ['H1', t.members[0], 'assigned'],
        ['H1', t.members[1], 'assigned'],
        ['H2', t.members[1], 'assigned'],
      ].sort(),
    );
    const mine = await http.get(`/v1/tasks?entity=${t.members[1]}&plan=${id}`).set(as(drafter)).expect(200);
    expect(mine.body.items).toHaveLength(2);
    const one = await http.get(`/v1/tasks/${tasks.body.items[0].id}`).set(as(drafter)).expect(200);
    expect(one.body.planId).toBe(id);

    const history = await http.get(`/v1/plans/${id}/history`).set(as(t.auditor)).expect(200);
    const items = history.body.items;
    expect(items.map((e: { type: string }) => e.type)).toEqual([
      'plan.opened',
      'plan.submitted',
      'plan.changes-requested',
      'plan.submitted',
      'plan.approved',
      'plan.endorsed',
      'plan.presentation-recorded',
    ]);
    expect(items[2]).toMatchObject({ version: 3, entity: t.reviewer, rationale: 'Faltan líneas base', revision: 1 });
    expect(items[4]).toMatchObject({ entity: t.reviewer, rationale: 'Cumple', revision: 2 });
    expect(items[0].prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < items.length; i++) expect(items[i].prevHash).toBe(items[i - 1].hash);
    expect(items[0].at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const atVersion = await http.get(`/v1/plans/${id}/state?version=3`).set(as(t.auditor)).expect(200);
    expect(atVersion.body).toMatchObject({ status: 'draft', version: 3, revision: 1 });
    const beyond = await http.get(`/v1/plans/${id}/state?version=${items.length + 1}`).set(as(t.auditor)).expect(404);
    expect(beyond.body.detail).toBe(`El plan ${id} no tiene la versión ${items.length + 1}: va en la ${items.length}.`);
    const atTime = await http.get(`/v1/plans/${id}/state`).query({ at: items[4].at }).set(as(t.auditor)).expect(200);
    expect(atTime.body).toMatchObject({ status: 'endorsement', version: 5 });
    const before = await http.get(`/v1/plans/${id}/state`).query({ at: '2000-01-01T00:00:00Z' }).set(as(t.auditor)).expect(404);
    expect(before.body.code).toBe('NOT_FOUND');
  });

  it('enforces four eyes: who submitted a revision cannot endorse it; another official of the coordinator can', async () => {
    const id = await open(t.tokens[t.coordinator]);
    await act(id, 'submit', t.tokens[t.coordinator]).expect(200);
    await act(id, 'approve', t.tokens[t.reviewer]).expect(200);
    const view = await http.get(`/v1/plans/${id}`).set(as(t.tokens[t.coordinator])).expect(200);
    expect(view.body.allowedActions).not.toContain('endorse');
    const refused = await act(id, 'endorse', t.tokens[t.coordinator]).expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    await act(id, 'endorse', t.second.coordinator).expect(200);
  });

  it('answers 412 to a stale If-Match and accepts the current one', async () => {
    const id = await open();
    const drafter = t.tokens[t.members[0]];
    const stale = await act(id, 'submit', drafter).set('If-Match', '"7"').expect(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    expect(stale.body.detail).toBe('El plan está en la versión 1, no en la 7: vuelva a cargarlo antes de decidir.');
    const weak = await act(id, 'submit', drafter).set('If-Match', 'W/"1"').expect(412); // If-Match compares strongly: a weak tag never matches
    expect(weak.body.detail).toBe('If-Match débil (W/) nunca coincide: envíe la versión entre comillas, p. ej. "1".');
    await act(id, 'submit', drafter).set('If-Match', '"1"').expect(200);
    // 403 wins over 412: the wrong institution with a stale version is told it may not act.
    await act(id, 'approve', drafter).set('If-Match', '"1"').expect(403);
  });

  it('returns the first answer to a retry with the same Idempotency-Key and appends nothing', async () => {
    const id = await open();
    const drafter = t.tokens[t.members[0]];
    const first = await act(id, 'submit', drafter).set('Idempotency-Key', `submit-${id}`).expect(200);
    const retry = await act(id, 'submit', drafter).set('Idempotency-Key', `submit-${id}`).expect(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.etag).toBe(first.headers.etag);
    const history = await http.get(`/v1/plans/${id}/history`).set(as(drafter)).expect(200);
    expect(history.body.items).toHaveLength(2);
    const reused = await act(id, 'withdraw', t.tokens[t.coordinator], { rationale: 'x' }).set('Idempotency-Key', `submit-${id}`);
    // The key belongs to another actor's request: not a retry, so it runs on its own.
    expect(reused.status).toBe(200);
    const misuse = await act(id, 'submit', drafter, { rationale: 'otra' }).set('Idempotency-Key', `submit-${id}`).expect(400);
    expect(misuse.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('refuses by the contract order and changes nothing', async () => {
    const id = await open();
    const drafter = t.tokens[t.members[0]];
    // wrong institution: 403 with a message that says who may
    const wrong = await act(id, 'submit', t.tokens[t.reviewer]).expect(403);
    expect(wrong.body.detail).toContain(t.members[0]);
    // invited institutions read but never decide; auditors change nothing
    await act(id, 'submit', t.tokens[t.invited[0]]).expect(403);
    await act(id, 'withdraw', t.auditor, { rationale: 'no' }).expect(403);
    // wrong state: 409 with a message naming who must act first
    const early = await act(id, 'endorse', t.tokens[t.coordinator]).expect(409);
    expect(early.body.code).toBe('INVALID_TRANSITION');
    // missing rationale: 400 naming the field
    const missing = await act(id, 'withdraw', t.tokens[t.coordinator]).expect(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'rationale' })]);
    // unknown fields are refused
    const unknown = await act(id, 'submit', drafter, { rationale: 'ok', sneaky: true }).expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'sneaky' })]);
    const after = await http.get(`/v1/plans/${id}`).set(as(drafter)).expect(200);
    expect(after.body.version).toBe(1);
    expect(after.headers.etag).toBe('"1"');
  });

  it('lets the drafter edit a draft, with If-Match, and refuses edits after submission', async () => {
    const id = await open();
    const drafter = t.tokens[t.members[0]];
    const { mesa: _mesa, ...content } = planBody(t);
    const edited = await http
      .put(`/v1/plans/${id}`)
      .set(as(drafter))
      .set('If-Match', '"1"')
      .send({ ...content, title: 'Título revisado' })
      .expect(200);
    expect(edited.body).toMatchObject({ title: 'Título revisado', version: 2 });
    await http.put(`/v1/plans/${id}`).set(as(drafter)).set('If-Match', '"1"').send(content).expect(412);
    await http.put(`/v1/plans/${id}`).set(as(t.tokens[t.members[1]])).send(content).expect(403);
    await act(id, 'submit', drafter).expect(200);
    await http.put(`/v1/plans/${id}`).set(as(drafter)).send(content).expect(409);
  });

  it('validates plan content against the table', async () => {
    const drafter = t.tokens[t.members[0]];
    const invitedLead = planBody(t);
    invitedLead.commitments[0].leadEntity = t.invited[0];
    const res = await http.post('/v1/plans').set(as(drafter)).send(invitedLead).expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'commitments[0].leadEntity' })]);
    const badDate = planBody(t);
    badDate.commitments[0].milestones[0].dueDate = '2024-02-30';
    const dateRes = await http.post('/v1/plans').set(as(drafter)).send(badDate).expect(400);
    expect(dateRes.body.errors[0].field).toBe('commitments[0].milestones[0].dueDate');
    await http.post('/v1/plans').set(as(t.tokens[t.invited[0]])).send(planBody(t)).expect(403);
    await http.post('/v1/plans').set(as(t.tokens[t.outsider])).send(planBody(t)).expect(403);
    const noMesa = await http.post('/v1/plans').set(as(drafter)).send(planBody(t, { mesa: 'NO-SUCH-MESA' })).expect(400);
    expect(noMesa.body.errors[0].field).toBe('mesa');
    // past due dates are accepted: plans can be recorded after the fact
    const past = planBody(t);
    past.commitments[0].milestones[0].dueDate = '2019-01-31';
    await http.post('/v1/plans').set(as(drafter)).send(past).expect(201);
  });

  it('lists plans by table and status, paging with a cursor', async () => {
    const drafter = t.tokens[t.members[0]];
    const ids = [await open(), await open(), await open()];
    const page1 = await http.get(`/v1/plans?mesa=${t.mesa}&status=draft&limit=2`).set(as(drafter)).expect(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const all: string[] = page1.body.items.map((p: { id: string }) => p.id);
    let cursor = page1.body.nextCursor;
    while (cursor) {
      const next = await http.get(`/v1/plans`).query({ mesa: t.mesa, status: 'draft', limit: 2, cursor }).set(as(drafter)).expect(200);
      all.push(...next.body.items.map((p: { id: string }) => p.id));
      cursor = next.body.nextCursor;
    }
    expect(all).toEqual(expect.arrayContaining(ids));
    expect(new Set(all).size).toBe(all.length);
    await http.get(`/v1/plans?status=bogus`).set(as(drafter)).expect(400);
    await http.get(`/v1/plans?cursor=nonsense`).set(as(drafter)).expect(400);
  });
});
