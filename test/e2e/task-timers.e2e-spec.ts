import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TaskTimerScheduler } from '@govflow/plans';
import { TestTable, bearer, createTable, planBody, startApi } from '../support/app';

/**
 * Durable timers driven by a test clock. Due dates in 2001 keep these timers apart from every
 * other suite's tasks (which fall due from 2019 on), so firing "now = 2001" touches only ours.
 */
describe('task timers: reminders, escalation, fired once', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let timers: TaskTimerScheduler;

  beforeAll(async () => {
    app = await startApi({ REDIS_URL: undefined });
    http = request(app.getHttpServer());
    t = await createTable(app);
    timers = app.get(TaskTimerScheduler);
  });
  afterAll(() => app.close());

  const implementedPlan = async () => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const body = planBody(t, {
      commitments: [
        {
          ref: 'C1',
          title: 'Compromiso',
          leadEntity: t.members[0],
          milestones: [
            { ref: 'H1', title: 'Hito que vencerá', dueDate: '2001-03-31' },
            { ref: 'H2', title: 'Hito que se validará', dueDate: '2001-03-31', responsibleEntity: t.members[1] },
          ],
        },
      ],
    });
    const plan = (await http.post('/v1/plans').set(drafter).send(body).expect(201)).body.id;
    await http.post(`/v1/plans/${plan}/actions/submit`).set(drafter).expect(200);
    await http.post(`/v1/plans/${plan}/actions/approve`).set(bearer(t.tokens[t.reviewer])).expect(200);
    await http.post(`/v1/plans/${plan}/actions/endorse`).set(bearer(t.tokens[t.coordinator])).expect(200);
    await http
      .post(`/v1/plans/${plan}/actions/record-presentation`)
      .set(bearer(t.tokens[t.coordinator]))
      .send({ presentation: { date: '2000-12-01', forum: 'Gabinete' } })
      .expect(200);
    const items = (await http.get(`/v1/tasks?plan=${plan}`).set(drafter).expect(200)).body.items as { id: string; milestoneRef: string }[];
    return { plan, h1: items.find((i) => i.milestoneRef === 'H1')!.id, h2: items.find((i) => i.milestoneRef === 'H2')!.id };
  };

  const historyTypes = async (taskId: string) =>
    ((await http.get(`/v1/tasks/${taskId}`).set(bearer(t.auditor)).expect(200)).body.history as { type: string }[]).map((e) => e.type);
  const inboxTypes = async (entity: string, taskId: string) =>
    ((await http.get('/v1/inbox').set(bearer(t.tokens[entity])).expect(200)).body.items as { type: string; taskId: string }[])
      .filter((n) => n.taskId === taskId)
      .map((n) => n.type);

  it('reminds 7 days before and on the due date, escalates at 15 days overdue, each once, and not for a validated task', async () => {
    const { h1, h2 } = await implementedPlan();
    const [m1, m2] = t.members;

    await timers.fireDue(new Date('2001-03-23T12:00:00Z')); // 8 days before, before 08:00 GT on the 24th: nothing
    expect(await historyTypes(h1)).toEqual(['task.assigned']);

    // A pass told to stop (the process is shutting down) ends between timers: none, then one of the two due.
    expect(await timers.fireDue(new Date('2001-03-24T15:00:00Z'), () => true)).toBe(0);
    expect(await historyTypes(h1)).toEqual(['task.assigned']);
    let asked = 0;
    expect(await timers.fireDue(new Date('2001-03-24T15:00:00Z'), () => asked++ > 0)).toBe(1);
    expect([...(await historyTypes(h1)), ...(await historyTypes(h2))].filter((type) => type === 'task.reminder-sent')).toHaveLength(1);

    await timers.fireDue(new Date('2001-03-24T15:00:00Z'));
    // two processes racing for the same timers: each fires once
    await Promise.all([timers.fireDue(new Date('2001-03-24T15:00:00Z')), timers.fireDue(new Date('2001-03-24T15:00:00Z'))]);
    expect(await historyTypes(h1)).toEqual(['task.assigned', 'task.reminder-sent']);
    expect((await inboxTypes(m1, h1)).sort()).toEqual(['task.assigned', 'task.reminder-sent']);

    // h2 is delivered and validated before its due date: no more reminders, no escalation
    await http.post(`/v1/tasks/${h2}/actions/start`).set(bearer(t.tokens[m2])).expect(200);
    await http.post(`/v1/tasks/${h2}/actions/deliver`).set(bearer(t.tokens[m2])).send({ evidence: [{ title: 'Informe' }] }).expect(200);
    await http.post(`/v1/tasks/${h2}/actions/validate`).set(bearer(t.tokens[m1])).expect(200);

    await timers.fireDue(new Date('2001-03-31T15:00:00Z'));
    expect(await historyTypes(h1)).toEqual(['task.assigned', 'task.reminder-sent', 'task.reminder-sent']);

    const overdue = await http.get(`/v1/tasks?entity=${m1}&overdue=true`).set(bearer(t.tokens[m1])).expect(200);
    expect(overdue.body.items.map((i: { id: string }) => i.id)).toContain(h1);

    await timers.fireDue(new Date('2001-04-15T15:00:00Z')); // 15 days overdue
    await timers.fireDue(new Date('2001-04-20T15:00:00Z'));
    expect(await historyTypes(h1)).toEqual(['task.assigned', 'task.reminder-sent', 'task.reminder-sent', 'task.escalated']);
    expect(await inboxTypes(t.coordinator, h1)).toEqual(['task.escalated']);
    expect(await historyTypes(h2)).toEqual(['task.assigned', 'task.reminder-sent', 'task.started', 'task.delivered', 'task.validated']);
  });

  it('reminds and escalates nothing for the tasks of a completed plan', async () => {
    const { plan, h1 } = await implementedPlan();
    await http.post(`/v1/plans/${plan}/actions/complete`).set(bearer(t.tokens[t.coordinator])).send({ rationale: 'Plan cerrado por el gabinete' }).expect(200);
    for (const at of ['2001-03-24T15:00:00Z', '2001-03-31T15:00:00Z', '2001-04-20T15:00:00Z']) await timers.fireDue(new Date(at));
    expect(await historyTypes(h1)).toEqual(['task.assigned']);
    expect(await inboxTypes(t.members[0], h1)).toEqual(['task.assigned']);
  });

  it('re-plans the timers when the coordinator reschedules the due date', async () => {
    const { h1 } = await implementedPlan();
    await timers.fireDue(new Date('2001-03-24T15:00:00Z'));
    const moved = await http
      .post(`/v1/tasks/${h1}/actions/reschedule`)
      .set(bearer(t.tokens[t.coordinator]))
      .send({ dueDate: '2001-06-30', rationale: 'Se amplió el plazo' })
      .expect(200);
    expect(moved.body).toMatchObject({ dueDate: '2001-06-30', status: 'assigned' });
    await http.post(`/v1/tasks/${h1}/actions/reschedule`).set(bearer(t.tokens[t.members[0]])).send({ dueDate: '2001-07-30', rationale: 'x' }).expect(403);
    await timers.fireDue(new Date('2001-04-20T15:00:00Z')); // the old escalation date: nothing now
    expect(await historyTypes(h1)).toEqual(['task.assigned', 'task.reminder-sent', 'task.rescheduled']);
    await timers.fireDue(new Date('2001-06-23T15:00:00Z')); // 7 days before the new date
    await timers.fireDue(new Date('2001-06-30T15:00:00Z')); // on it
    await timers.fireDue(new Date('2001-07-15T15:00:00Z')); // 15 days after it
    expect(await historyTypes(h1)).toEqual(['task.assigned', 'task.reminder-sent', 'task.rescheduled', 'task.reminder-sent', 'task.reminder-sent', 'task.escalated']);
  });

  it('reminds whoever is responsible when the timer fires (reassignment re-plans it)', async () => {
    const { h1 } = await implementedPlan();
    const [m1, m2] = t.members;
    await http.post(`/v1/tasks/${h1}/actions/reassign`).set(bearer(t.tokens[t.coordinator])).send({ entity: m2, rationale: 'Cambio' }).expect(200);
    await timers.fireDue(new Date('2001-03-24T15:00:00Z'));
    expect(await inboxTypes(m2, h1)).toContain('task.reminder-sent');
    expect(await inboxTypes(m1, h1)).not.toContain('task.reminder-sent');
  });
});
