import { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { PG_POOL } from '@govflow/event-store';
import { TestTable, bearer, createTable, planBody, startApi } from '../support/app';

describe('tasks over HTTP: the implementation lifecycle', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;

  beforeAll(async () => {
    app = await startApi({ REDIS_URL: undefined });
    http = request(app.getHttpServer());
    t = await createTable(app);
  });
  afterAll(() => app.close());

  /** A plan taken to implementation; its tasks by milestone: C1/H1 (m1, lead m1), C1/H2 (m2, lead m1), C2/H1 (m2, lead m2). */
  const implementedPlan = async (overrides: Record<string, unknown> = {}) => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const plan = (await http.post('/v1/plans').set(drafter).send(planBody(t, overrides)).expect(201)).body.id;
    await http.post(`/v1/plans/${plan}/actions/submit`).set(drafter).expect(200);
    await http.post(`/v1/plans/${plan}/actions/approve`).set(bearer(t.tokens[t.reviewer])).expect(200);
    await http.post(`/v1/plans/${plan}/actions/endorse`).set(bearer(t.tokens[t.coordinator])).expect(200);
    await http
      .post(`/v1/plans/${plan}/actions/record-presentation`)
      .set(bearer(t.tokens[t.coordinator]))
      .send({ presentation: { date: '2024-10-31', forum: 'Gabinete' } })
      .expect(200);
    const tasks = (await http.get(`/v1/tasks?plan=${plan}`).set(drafter).expect(200)).body.items as { id: string; commitmentRef: string; milestoneRef: string }[];
    const byRef = (c: string, m: string) => tasks.find((x) => x.commitmentRef === c && x.milestoneRef === m)!.id;
    return { plan, c1h1: byRef('C1', 'H1'), c1h2: byRef('C1', 'H2'), c2h1: byRef('C2', 'H1') };
  };
  const act = (task: string, action: string, token: string, body: object = {}) => http.post(`/v1/tasks/${task}/actions/${action}`).set(bearer(token)).send(body);

  it('starts, reports progress, delivers with evidence and is validated by the lead, never by the deliverer', async () => {
    const { c1h2 } = await implementedPlan();
    const [m1, m2] = t.members;
    const started = await act(c1h2, 'start', t.tokens[m2]).expect(200);
    expect(started.body).toMatchObject({ status: 'in_progress', version: 2, entity: m2 });
    expect(started.headers.etag).toBe('"2"');
    await act(c1h2, 'report-progress', t.tokens[m2], { percent: 40, note: 'Diseño terminado' }).expect(200);
    const delivered = await act(c1h2, 'deliver', t.tokens[m2], {
      evidence: [{ title: 'Acta', url: 'https://example.gob.gt/acta.pdf', sha256: 'a'.repeat(64) }],
    }).expect(200);
    expect(delivered.body).toMatchObject({ status: 'delivered', progress: { percent: 40 }, evidence: [{ title: 'Acta' }] });
    const selfValidation = await act(c1h2, 'validate', t.tokens[m2]).expect(403); // m2 is responsible, not lead
    expect(selfValidation.body.code).toBe('FORBIDDEN');
    const validated = await act(c1h2, 'validate', t.tokens[m1]).expect(200); // the commitment's lead
    expect(validated.body.status).toBe('validated');
    const detail = await http.get(`/v1/tasks/${c1h2}`).set(bearer(t.auditor)).expect(200);
    expect(detail.body.history.map((e: { type: string }) => e.type)).toEqual(['task.assigned', 'task.started', 'task.progress-reported', 'task.delivered', 'task.validated']);
    expect(detail.body.history[4]).toMatchObject({ entity: m1 });
    // replayed at a version and at an instant; 404 before it existed
    const atV2 = await http.get(`/v1/tasks/${c1h2}/state?version=2`).set(bearer(t.auditor)).expect(200);
    expect(atV2.body).toMatchObject({ status: 'in_progress', version: 2 });
    await http.get(`/v1/tasks/${c1h2}/state?version=99`).set(bearer(t.auditor)).expect(404);
    const atDelivery = await http.get(`/v1/tasks/${c1h2}/state`).query({ at: detail.body.history[3].at }).set(bearer(t.auditor)).expect(200);
    expect(atDelivery.body).toMatchObject({ status: 'delivered', version: 4, evidence: [{ title: 'Acta' }] });
    await http.get(`/v1/tasks/${c1h2}/state?at=2000-01-01`).set(bearer(t.auditor)).expect(404);
    await http.get(`/v1/tasks/${c1h2}/state`).set(bearer(t.auditor)).expect(400);
  });

  it('names the plan event that caused each task, and the event behind each notification', async () => {
    const { plan, c1h1, c1h2, c2h1 } = await implementedPlan();
    const pool = app.get<Pool>(PG_POOL);
    const { rows: planEvents } = await pool.query(`SELECT position::text AS position, stream_version, type FROM events WHERE stream_id = $1 ORDER BY stream_version`, [
      `plan-${plan}`,
    ]);
    const presented = planEvents.find((e) => e.type === 'plan.presentation-recorded');
    const { rows: assigned } = await pool.query(
      `SELECT stream_id, metadata->>'causationId' AS caused_by FROM events WHERE stream_id = ANY($1::text[]) AND type = 'task.assigned' ORDER BY stream_id`,
      [[c1h1, c1h2, c2h1].map((id) => `task-${id}`)],
    );
    expect(assigned).toHaveLength(3);
    for (const task of assigned) expect(task.caused_by).toBe(presented.position);
    // every notification of the plan and its tasks points at the event that caused it, by position
    const { rows: told } = await pool.query(
      `SELECT n.type AS told, e.type AS event, e.stream_id FROM notifications n LEFT JOIN events e ON e.position = n.event_position
        WHERE n.plan_id = $1`,
      [plan],
    );
    expect(told.length).toBeGreaterThan(3);
    for (const n of told) expect(n.event).toBe(n.told);
    expect(new Set(told.filter((n) => n.told === 'task.assigned').map((n) => n.stream_id))).toEqual(new Set([c1h1, c1h2, c2h1].map((id) => `task-${id}`)));
  });

  it('shows a whole table as it was at a date', async () => {
    const own = await createTable(app);
    const saved = t;
    t = own;
    try {
      const { plan, c1h1 } = await implementedPlan();
      const history = (await http.get(`/v1/plans/${plan}/history`).set(bearer(t.auditor)).expect(200)).body.items;
      const endorsedAt = history.find((e: { type: string }) => e.type === 'plan.endorsed').at;
      await act(c1h1, 'start', t.tokens[t.members[0]]).expect(200);
      const before = await http.get(`/v1/mesas/${t.mesa}/state`).query({ at: endorsedAt }).set(bearer(t.auditor)).expect(200);
      expect(before.body.plans.map((p: { id: string; status: string; taskStates: unknown[] }) => [p.id, p.status, p.taskStates.length])).toEqual([[plan, 'presentation', 0]]);
      const now = await http.get(`/v1/mesas/${t.mesa}/state`).query({ at: new Date().toISOString() }).set(bearer(t.auditor)).expect(200);
      expect(now.body.plans[0]).toMatchObject({ id: plan, status: 'implementation' });
      expect(now.body.plans[0].taskStates.map((x: { id: string; status: string }) => [x.id, x.status])).toContainEqual([c1h1, 'in_progress']);
      const early = await http.get(`/v1/mesas/${t.mesa}/state?at=2000-01-01`).set(bearer(t.auditor)).expect(404); // before the table existed
      expect(early.body.detail).toMatch(new RegExp(`^La mesa ${t.mesa} no existía en ese momento`));
      const missing = await http.get(`/v1/mesas/${t.mesa}/state`).set(bearer(t.auditor)).expect(400);
      expect(missing.body.errors).toEqual([{ field: 'at', message: 'Indique «at»: el instante que quiere ver.' }]);
    } finally {
      t = saved;
    }
  });

  it('never lets the institution that delivered validate, even when it leads the commitment', async () => {
    const { c1h1 } = await implementedPlan();
    const m1 = t.members[0];
    await act(c1h1, 'start', t.tokens[m1]).expect(200);
    await act(c1h1, 'deliver', t.tokens[m1], { evidence: [{ title: 'Informe' }] }).expect(200);
    const refused = await act(c1h1, 'validate', t.tokens[m1]).expect(403);
    expect(refused.body.detail).toContain(t.coordinator);
    await act(c1h1, 'validate', t.tokens[t.coordinator]).expect(200);
  });

  it('has the technical reviewer judge a delivery of the coordinator that leads its own commitment', async () => {
    const [m1, m2] = t.members;
    const { c1h1 } = await implementedPlan({
      commitments: [
        {
          ref: 'C1',
          title: 'Coordinación del plan',
          leadEntity: t.coordinator,
          milestones: [
            { ref: 'H1', title: 'Informe de avance', dueDate: '2025-03-31' },
            { ref: 'H2', title: 'Informe sectorial', dueDate: '2025-06-30', responsibleEntity: m2 },
          ],
        },
        { ref: 'C2', title: 'Ciberseguridad', leadEntity: m2, milestones: [{ ref: 'H1', title: 'Estrategia nacional', dueDate: '2025-12-31' }] },
      ],
    });
    const coordinator = t.tokens[t.coordinator];
    await act(c1h1, 'start', coordinator).expect(200);
    await act(c1h1, 'deliver', coordinator, { evidence: [{ title: 'Informe' }] }).expect(200);
    const refused = await act(c1h1, 'validate', coordinator).expect(403);
    expect(refused.body.detail).toBe(`${t.coordinator} entregó esta tarea y no puede validarla: debe hacerlo ${t.reviewer}.`);
    await act(c1h1, 'validate', t.tokens[m1]).expect(403);
    const asReviewer = await http.get(`/v1/tasks/${c1h1}`).set(bearer(t.tokens[t.reviewer])).expect(200);
    expect(asReviewer.body.allowedActions).toEqual(['validate', 'return']);
    const validated = await act(c1h1, 'validate', t.tokens[t.reviewer], { rationale: 'Informe verificado.' }).expect(200);
    expect(validated.body.status).toBe('validated');
    const detail = await http.get(`/v1/tasks/${c1h1}`).set(bearer(t.auditor)).expect(200);
    expect(detail.body.history.at(-1)).toMatchObject({ type: 'task.validated', entity: t.reviewer });
  });

  it('returns a delivery with a rationale, blocks and unblocks, reassigns and cancels by the coordinator', async () => {
    const { c2h1, c1h1 } = await implementedPlan();
    const m2 = t.members[1];
    await act(c2h1, 'start', t.tokens[m2]).expect(200);
    await act(c2h1, 'deliver', t.tokens[m2], { evidence: [{ title: 'Borrador' }] }).expect(200);
    const noWhy = await act(c2h1, 'return', t.tokens[t.coordinator]).expect(400);
    expect(noWhy.body.errors[0].field).toBe('rationale');
    await act(c2h1, 'return', t.tokens[t.coordinator], { rationale: 'Falta el anexo' }).expect(200);
    await act(c2h1, 'start', t.tokens[m2]).expect(200);
    const blocked = await act(c2h1, 'block', t.tokens[m2], { reason: 'Sin presupuesto' }).expect(200);
    expect(blocked.body).toMatchObject({ status: 'blocked', blockReason: 'Sin presupuesto' });
    const unblocked = await act(c2h1, 'unblock', t.tokens[m2]).expect(200);
    expect(unblocked.body.status).toBe('in_progress');

    await act(c1h1, 'reassign', t.tokens[t.members[0]], { entity: m2, rationale: 'x' }).expect(403);
    const invited = await act(c1h1, 'reassign', t.tokens[t.coordinator], { entity: t.invited[0], rationale: 'apoyo' }).expect(400);
    expect(invited.body.errors[0].field).toBe('entity');
    const reassigned = await act(c1h1, 'reassign', t.tokens[t.coordinator], { entity: m2, rationale: 'Cambio de responsable' }).expect(200);
    expect(reassigned.body).toMatchObject({ entity: m2, status: 'assigned' });
    const inbox = await http.get('/v1/inbox').set(bearer(t.tokens[m2])).expect(200);
    expect(inbox.body.items.some((n: { type: string; taskId: string }) => n.type === 'task.reassigned' && n.taskId === c1h1)).toBe(true);
    const coordinatorInbox = await http.get('/v1/inbox').set(bearer(t.tokens[t.coordinator])).expect(200);
    expect(coordinatorInbox.body.items.some((n: { type: string; taskId: string }) => n.type === 'task.blocked' && n.taskId === c2h1)).toBe(true);

    await act(c1h1, 'cancel', t.tokens[t.coordinator], { rationale: 'Ya no aplica' }).expect(200);
    const late = await act(c1h1, 'start', t.tokens[m2]).expect(409);
    expect(late.body.code).toBe('INVALID_TRANSITION');
  });

  it('freezes the tasks of a completed plan where they stand, and counts the undone ones as undone', async () => {
    const { plan, c1h2 } = await implementedPlan();
    const [m1, m2] = t.members;
    await act(c1h2, 'start', t.tokens[m2]).expect(200);
    const coordinator = bearer(t.tokens[t.coordinator]);
    await http.post(`/v1/plans/${plan}/actions/complete`).set(coordinator).send({}).expect(400); // open tasks: a rationale is required
    await http.post(`/v1/plans/${plan}/actions/complete`).set(coordinator).send({ rationale: 'El gabinete cerró el plan' }).expect(200);
    const frozen = (await http.get(`/v1/tasks/${c1h2}`).set(bearer(t.tokens[m2])).expect(200)).body;
    expect(frozen).toMatchObject({ status: 'in_progress', allowedActions: [] });
    const late = await act(c1h2, 'report-progress', t.tokens[m2], { percent: 90, note: 'Casi' }).expect(409);
    expect(late.body.detail).toBe('El plan de esta tarea está completado: sus tareas ya no cambian.');
    await act(c1h2, 'cancel', t.tokens[t.coordinator], { rationale: 'Ya no aplica' }).expect(409);
    // the plan is completed, but its progress says what was done: none of its 3 milestones validated
    const view = (await http.get(`/v1/plans/${plan}`).set(bearer(t.tokens[m1])).expect(200)).body;
    expect(view).toMatchObject({ status: 'completed', progress: { level: 'not_started', milestones: 3, validated: 0 } });
  });

  it('derives progress on the OGP scale and exports it as open data', async () => {
    // a table of its own, so the counts are this test's alone
    const own = await createTable(app);
    const saved = t;
    t = own;
    try {
      const { plan, c1h2, c2h1 } = await implementedPlan();
      const [m1, m2] = t.members;
      const before = await http.get(`/v1/mesas/${t.mesa}/progress`).set(bearer(t.auditor)).expect(200);
      expect(before.body).toMatchObject({ mesa: t.mesa, level: 'not_started', milestones: 3, validated: 0 });
      await act(c1h2, 'start', t.tokens[m2]).expect(200);
      await act(c1h2, 'deliver', t.tokens[m2], { evidence: [{ title: 'Acta' }] }).expect(200);
      await act(c1h2, 'validate', t.tokens[m1]).expect(200);
      await act(c2h1, 'start', t.tokens[m2]).expect(200);
      await act(c2h1, 'block', t.tokens[m2], { reason: 'Sin fondos' }).expect(200);
      const progress = await http.get(`/v1/mesas/${t.mesa}/progress`).set(bearer(t.auditor)).expect(200);
      // 1 of 3 validated: limited; C1 has 1 of 2 (substantial), C2 0 of 1; the due dates of planBody (2025) are past
      expect(progress.body).toMatchObject({ level: 'limited', milestones: 3, validated: 1, blocked: 1, overdue: 2 });
      const planProgress = progress.body.plans.find((p: { id: string }) => p.id === plan);
      expect(planProgress.commitments.map((c: { ref: string; level: string }) => [c.ref, c.level])).toEqual([
        ['C1', 'substantial'],
        ['C2', 'not_started'],
      ]);
      const view = await http.get(`/v1/plans/${plan}`).set(bearer(t.auditor)).expect(200);
      expect(view.body.progress).toMatchObject({ level: 'limited', validated: 1 });

      const json = await http.get(`/v1/mesas/${t.mesa}/export`).set(bearer(t.auditor)).expect(200);
      const commitment = json.body.plans[0].commitments[0];
      expect(commitment).toMatchObject({
        ref: 'C1',
        leadInstitution: m1,
        supportingInstitutions: [t.invited[0]],
        startDate: '2024-10-31',
        endDate: '2025-09-30',
        completion: 'substantial',
      });
      const csv = await http.get(`/v1/mesas/${t.mesa}/export?format=csv`).set(bearer(t.auditor)).expect(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      const lines = csv.text.trim().split('\r\n');
      expect(lines[0].split(',').slice(0, 4)).toEqual(['mesa', 'plan_id', 'plan_title', 'plan_status']);
      expect(lines).toHaveLength(4); // header + one row per milestone
      expect(lines.some((l) => l.includes(',H2,') && l.includes(',validated,complete,'))).toBe(true);
      await http.get(`/v1/mesas/${t.mesa}/export?format=xml`).set(bearer(t.auditor)).expect(400);

      // the read models, rebuilt from the events alone, give the same progress and export
      const { rebuildPlanAndTaskProjections } = await import('@govflow/plans');
      const { EventStore } = await import('@govflow/event-store');
      // only this table: other suites tamper with their own streams on purpose (audit)
      const rebuilt = await rebuildPlanAndTaskProjections(app.get(EventStore), { mesa: t.mesa });
      expect(rebuilt).toEqual({ plans: 1, tasks: 3 });
      const progressAgain = await http.get(`/v1/mesas/${t.mesa}/progress`).set(bearer(t.auditor)).expect(200);
      expect(progressAgain.body).toEqual(progress.body);
      const csvAgain = await http.get(`/v1/mesas/${t.mesa}/export?format=csv`).set(bearer(t.auditor)).expect(200);
      expect(csvAgain.text).toBe(csv.text);
      const tasksAgain = await http.get(`/v1/tasks?plan=${plan}`).set(bearer(t.auditor)).expect(200);
      // statuses, not versions: any API process of the test run may fire these overdue tasks' escalations meanwhile
      expect(tasksAgain.body.items.map((x: { id: string; status: string }) => [x.id, x.status]).sort()).toEqual(
        [
          [c1h2, 'validated'],
          [c2h1, 'blocked'],
        ].concat(tasksAgain.body.items.filter((x: { id: string }) => x.id !== c1h2 && x.id !== c2h1).map((x: { id: string }) => [x.id, 'assigned'])).sort(),
      );
    } finally {
      t = saved;
    }
  });

  it('never rolls a read model back or drops a row when commands commit while a rebuild runs', async () => {
    const table = await createTable(app);
    const drafter = bearer(table.tokens[table.members[0]]);
    const plans: string[] = [];
    for (let i = 0; i < 24; i++) plans.push((await http.post('/v1/plans').set(drafter).send(planBody(table)).expect(201)).body.id);
    const { rebuildPlanAndTaskProjections } = await import('@govflow/plans');
    const { EventStore } = await import('@govflow/event-store');
    // The rebuild and the commands race: submissions and new plans commit while it reads and writes.
    const [rebuilt, , created] = await Promise.all([
      rebuildPlanAndTaskProjections(app.get(EventStore), { mesa: table.mesa }),
      Promise.all(plans.map((id) => http.post(`/v1/plans/${id}/actions/submit`).set(drafter).expect(200))),
      Promise.all(Array.from({ length: 8 }, async () => (await http.post('/v1/plans').set(drafter).send(planBody(table)).expect(201)).body.id as string)),
    ]);
    expect(rebuilt.plans).toBeGreaterThanOrEqual(24);
    const { rows } = await app.get<Pool>(PG_POOL).query(`SELECT id, status, version FROM plans WHERE mesa = $1`, [table.mesa]);
    const byId = new Map(rows.map((r) => [r.id, [r.status, r.version]]));
    expect(plans.map((id) => byId.get(id))).toEqual(plans.map(() => ['technical_review', 2]));
    expect(created.map((id) => byId.get(id))).toEqual(created.map(() => ['draft', 1]));
  });

  it('honours If-Match and Idempotency-Key, and refuses bad input without changing anything', async () => {
    const { c2h1 } = await implementedPlan();
    const m2 = t.members[1];
    const stale = await act(c2h1, 'start', t.tokens[m2]).set('If-Match', '"5"').expect(412);
    expect(stale.body.detail).toMatch(/^La tarea está en la versión \d+, no en la 5: vuelva a cargarla antes de decidir\.$/);
    const first = await act(c2h1, 'start', t.tokens[m2]).set('Idempotency-Key', `start-${c2h1}`).expect(200);
    const retry = await act(c2h1, 'start', t.tokens[m2]).set('Idempotency-Key', `start-${c2h1}`).expect(200);
    expect(retry.body).toEqual(first.body);
    await act(c2h1, 'report-progress', t.tokens[m2], { percent: 140, note: 'x' }).expect(400);
    // JSON carries numbers as numbers: text or a boolean is not taken for one
    for (const percent of ['50', true]) await act(c2h1, 'report-progress', t.tokens[m2], { percent, note: 'x' }).expect(400);
    await act(c2h1, 'deliver', t.tokens[m2], { evidence: [] }).expect(400);
    await act(c2h1, 'deliver', t.tokens[m2], { evidence: [{ title: 'x', sha256: 'not-a-hash' }] }).expect(400);
    await act(c2h1, 'teleport', t.tokens[m2]).expect(404);
    const detail = await http.get(`/v1/tasks/${c2h1}`).set(bearer(t.tokens[m2])).expect(200);
    expect(detail.body.version).toBe(2);
    expect(detail.body.allowedActions).toEqual(['report-progress', 'deliver', 'block']);
  });
});
