import { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Pool } from 'pg';
import { PG_POOL } from '@govflow/event-store';
import { verifyWebhookSignature } from '@govflow/notifications';
import { ADMIN_TOKEN, TestTable, bearer, createTable, planBody, startApi } from '../support/app';
import { decodeHeader, eventually, startSmtpServer, startWebhookReceiver } from '../support/receivers';

const SECRET = 'una-clave-secreta-de-prueba-1234';

/** The embedded default: no REDIS_URL, the in-process dispatcher delivers from the outbox. */
describe('notifications without Redis: inbox, signed webhook, e-mail', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    hooks = await startWebhookReceiver();
    app = await startApi({ REDIS_URL: undefined, SMTP_URL: smtp.url, NOTIFY_MAX_ATTEMPTS: '3', NOTIFY_BACKOFF_MS: '50', NOTIFY_WEBHOOK_TIMEOUT_MS: '300' });
    http = request(app.getHttpServer());
    t = await createTable(app);
    await http
      .put(`/v1/entities/${t.reviewer}/channels`)
      .set(bearer(ADMIN_TOKEN))
      .send({ email: 'revision@gae.example', webhook: { url: hooks.url, secret: SECRET } })
      .expect(200);
  });
  afterAll(async () => {
    await app.close();
    await hooks.close();
    await smtp.close();
  });

  const submitNewPlan = async () => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const plan = await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201);
    await http.post(`/v1/plans/${plan.body.id}/actions/submit`).set(drafter).expect(200);
    return plan.body.id as string;
  };

  it('tells the technical reviewer of a submission once: inbox, signed webhook and mailbox', async () => {
    const planId = await submitNewPlan();
    const inbox = await http.get('/v1/inbox?unread=true').set(bearer(t.tokens[t.reviewer])).expect(200);
    const mine = inbox.body.items.filter((n: { planId: string }) => n.planId === planId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'plan.submitted', entity: t.reviewer, readAt: null });
    expect(mine[0].message).toContain('revisión técnica');

    await eventually(() => hooks.received.some((h) => h.body.planId === planId), 10_000, 'the webhook');
    await eventually(() => smtp.mails.some((m) => m.raw.includes(mine[0].id)), 10_000, 'the e-mail');
    await new Promise((r) => setTimeout(r, 500)); // once: nothing more arrives
    const hooksForPlan = hooks.received.filter((h) => h.body.planId === planId);
    expect(hooksForPlan).toHaveLength(1);
    const [hook] = hooksForPlan;
    expect(verifyWebhookSignature(SECRET, String(hook.headers['govflow-signature']), hook.raw)).toBe(true);
    expect(verifyWebhookSignature('otra-clave-distinta-000000', String(hook.headers['govflow-signature']), hook.raw)).toBe(false);
    expect(hook.headers['idempotency-key']).toBe(mine[0].id);
    expect(hook.body).toMatchObject({ id: mine[0].id, type: 'plan.submitted', entity: t.reviewer, mesa: t.mesa, message: mine[0].message });
    expect(JSON.stringify(hook.body)).not.toContain(SECRET);
    // the receiver-side check printed in the README accepts it too (so the docs cannot drift)
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const snippet = /A receiver checks it like this:\n\n```js\n([\s\S]*?)```/.exec(readme)![1];
    const verifyFromReadme = new Function('require', `${snippet}; return verify;`)(require);
    expect(verifyFromReadme(SECRET, String(hook.headers['govflow-signature']), hook.raw)).toBe(true);
    expect(verifyFromReadme(SECRET, String(hook.headers['govflow-signature']), hook.raw.replace('}', ' }'))).toBe(false);

    const mails = smtp.mails.filter((m) => m.raw.includes(mine[0].id));
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['revision@gae.example']);
    const subject = decodeHeader(/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(mails[0].raw)![1].replace(/\r\n[ \t]/g, ' '));
    expect(subject).toContain('Plan enviado a revisión técnica');

    // the drafter's institution has no channels: inbox only; the reviewer marks it read
    await http.post(`/v1/inbox/${mine[0].id}/read`).set(bearer(t.tokens[t.reviewer])).expect(200);
    await http.post(`/v1/inbox/${mine[0].id}/read`).set(bearer(t.tokens[t.members[0]])).expect(404);
    const after = await http.get('/v1/inbox?unread=true').set(bearer(t.tokens[t.reviewer])).expect(200);
    expect(after.body.items.map((n: { id: string }) => n.id)).not.toContain(mine[0].id);

    const delivered = await http.get('/v1/notifications?status=delivered').set(bearer(ADMIN_TOKEN)).expect(200);
    expect(delivered.body.items.filter((d: { notificationId: string }) => d.notificationId === mine[0].id).map((d: { channel: string }) => d.channel).sort()).toEqual([
      'email',
      'webhook',
    ]);
  });

  it('retries a failing receiver with backoff, then marks it dead; redrive delivers it', async () => {
    let answered500 = 0;
    hooks.handler.respond = (_hook, res) => {
      answered500++;
      res.writeHead(500).end('caído');
    };
    const planId = await submitNewPlan();
    let deadId = '';
    await eventually(async () => {
      const dead = await http.get('/v1/notifications?status=dead').set(bearer(ADMIN_TOKEN));
      const row = dead.body.items.find((d: { channel: string; notificationId: string }) => d.channel === 'webhook' && hooks.received.some((h) => h.body.id === d.notificationId && h.body.planId === planId));
      deadId = row?.id ?? '';
      return Boolean(row);
    }, 15_000, 'the dead delivery');
    const attempts = hooks.received.filter((h) => h.body.planId === planId);
    expect(attempts).toHaveLength(3);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(45);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(2 * 45); // exponential
    expect(new Set(attempts.map((h) => h.headers['idempotency-key'])).size).toBe(1);
    expect(answered500).toBeGreaterThanOrEqual(3);

    hooks.handler.respond = (_hook, res) => void res.writeHead(204).end();
    const redriven = await http.post(`/v1/notifications/${deadId}/redrive`).set(bearer(ADMIN_TOKEN)).expect(200);
    expect(redriven.body).toMatchObject({ status: 'pending', attempts: 0 });
    await eventually(async () => {
      const list = await http.get('/v1/notifications?status=delivered').set(bearer(ADMIN_TOKEN));
      return list.body.items.some((d: { id: string }) => d.id === deadId);
    }, 10_000, 'the redriven delivery');
    await http.post(`/v1/notifications/${deadId}/redrive`).set(bearer(ADMIN_TOKEN)).expect(409);
  });

  it('treats a receiver that does not answer in time as a failure to retry', async () => {
    hooks.handler.respond = () => undefined; // never answers
    const planId = await submitNewPlan();
    await eventually(async () => hooks.received.filter((h) => h.body.planId === planId).length >= 2, 10_000, 'a retry after the timeout');
    hooks.handler.respond = (_hook, res) => void res.writeHead(200).end();
  });

  it('reports the outbox on /metrics and no Redis on /health', async () => {
    const health = await http.get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: { status: 'not-configured' } });
    const metrics = await http.get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toMatch(/govflow_outbox_deliveries\{status="delivered"\} [1-9]/);
    await http.get('/admin/queues').expect(404); // no queue without Redis
  });

  it('keeps channels admin-only and never returns the secret', async () => {
    await http.put(`/v1/entities/${t.reviewer}/channels`).set(bearer(t.tokens[t.reviewer])).send({ email: 'x@y.example' }).expect(403);
    const res = await http
      .put(`/v1/entities/${t.members[1]}/channels`)
      .set(bearer(ADMIN_TOKEN))
      .send({ webhook: { url: 'ftp://example.test/x', secret: SECRET } })
      .expect(400);
    expect(res.body.errors[0].field).toBe('webhook.url');
    const ok = await http.put(`/v1/entities/${t.members[1]}/channels`).set(bearer(ADMIN_TOKEN)).send({ webhook: { url: hooks.url, secret: SECRET } }).expect(200);
    expect(JSON.stringify(ok.body)).not.toContain(SECRET);
    await http.put('/v1/entities/NO-SUCH-ENTITY/channels').set(bearer(ADMIN_TOKEN)).send({ email: 'a@b.example' }).expect(404);
  });

  it('keeps a webhook URL\'s credentials and token out of the history that auditors export', async () => {
    const entity = t.members[1];
    const withPassword = await http
      .put(`/v1/entities/${entity}/channels`)
      .set(bearer(ADMIN_TOKEN))
      .send({ webhook: { url: 'https://ops:hunter2@hooks.example.org/govflow', secret: SECRET } })
      .expect(400);
    expect(withPassword.body.errors).toEqual([expect.objectContaining({ field: 'webhook.url', message: expect.stringContaining('usuario ni contraseña') })]);
    await http
      .put(`/v1/entities/${entity}/channels`)
      .set(bearer(ADMIN_TOKEN))
      .send({ webhook: { url: 'https://hooks.example.org/services/T0/B0/tok3n-of-the-receiver?sig=abc', secret: SECRET } })
      .expect(200);
    const events = await app
      .get<Pool>(PG_POOL)
      .query(`SELECT data FROM events WHERE stream_id = $1 AND type = 'entity.channels-changed' ORDER BY stream_version DESC LIMIT 1`, [`entity-${entity}`]);
    expect(events.rows[0].data).toMatchObject({ code: entity, webhookOrigin: 'https://hooks.example.org' });
    const history = JSON.stringify(events.rows);
    for (const secret of ['hunter2', 'tok3n', 'sig=abc', SECRET]) expect(history).not.toContain(secret);
    await http.put(`/v1/entities/${entity}/channels`).set(bearer(ADMIN_TOKEN)).send({ webhook: { url: hooks.url, secret: SECRET } }).expect(200);
  });

  it('with GOVFLOW_WEBHOOK_PUBLIC_ONLY, refuses a webhook URL written with an internal address and changes nothing', async () => {
    await http.put(`/v1/entities/${t.members[1]}/channels`).set(bearer(ADMIN_TOKEN)).send({ webhook: { url: hooks.url, secret: SECRET } }).expect(200);
    const guarded = await startApi({ GOVFLOW_WEBHOOK_PUBLIC_ONLY: 'true' });
    const api = request(guarded.getHttpServer());
    const put = (url: string) => api.put(`/v1/entities/${t.members[1]}/channels`).set(bearer(ADMIN_TOKEN)).send({ webhook: { url, secret: SECRET } });
    try {
      for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest', 'http://[::1]:8080/hook', hooks.url]) {
        const res = await put(url).expect(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'webhook.url', message: expect.stringContaining('GOVFLOW_WEBHOOK_PUBLIC_ONLY') })]);
      }
      const kept = await app.get<Pool>(PG_POOL).query(`SELECT webhook_url FROM entity_channels WHERE code = $1`, [t.members[1]]);
      expect(kept.rows).toEqual([{ webhook_url: hooks.url }]); // as set above, unchanged
      // A name is judged when a delivery resolves it, not here.
      await put('https://hooks.example.org/govflow').expect(200);
    } finally {
      await guarded.close();
    }
  });
});
