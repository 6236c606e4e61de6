import { INestApplication } from '@nestjs/common';
import { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { NOTIFICATION_QUEUE, redisConnection } from '@govflow/notifications';
import request from 'supertest';
import { ADMIN_TOKEN, TestTable, bearer, createTable, planBody, startApi } from '../support/app';
import { exited, startPrivateRedis, startWorker, which } from '../support/processes';
import { eventually, startWebhookReceiver } from '../support/receivers';

const SECRET = 'clave-de-prueba-para-redis-000000';
const haveRedis = Boolean(which('redis-server') && which('redis-cli'));
if (!haveRedis) {
  if (process.env.CI === 'true') throw new Error('CI=true but redis-server is not installed: the Redis suites must run in CI');
  console.warn('[govflow tests] redis-server not found: skipping the BullMQ notification suite (install redis-server to run it)');
}

/** The production shape: the API relays committed outbox rows to BullMQ; separate worker processes deliver. */
(haveRedis ? describe : describe.skip)('notifications with Redis: relay, worker processes, failures', () => { // skipped only outside CI without redis-server, with a printed notice
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let pool: Pool;
  const workers: ChildProcess[] = [];
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    hooks = await startWebhookReceiver();
    const env = { REDIS_URL: redis.url, NOTIFY_BACKOFF_MS: '50', NOTIFY_STALLED_MS: '1500', NOTIFY_CONCURRENCY: '8' };
    app = await startApi(env);
    http = request(app.getHttpServer());
    pool = new Pool({ connectionString: process.env.DATABASE_URL });
    t = await createTable(app);
    await http.put(`/v1/entities/${t.reviewer}/channels`).set(bearer(ADMIN_TOKEN)).send({ webhook: { url: hooks.url, secret: SECRET } }).expect(200);
    workerEnv = { ...env, DATABASE_URL: process.env.DATABASE_URL!, GOVFLOW_QUEUE_PREFIX: process.env.GOVFLOW_QUEUE_PREFIX ?? 'govflow' };
    workers.push(startWorker(workerEnv), startWorker(workerEnv));
    // Both must be consuming before the first test: a worker still starting (compiling, on a
    // busy machine) would leave the other to take every job.
    const queue = new Queue(NOTIFICATION_QUEUE, { connection: redisConnection(redis.url), prefix: workerEnv.GOVFLOW_QUEUE_PREFIX });
    try {
      await eventually(async () => (await queue.getWorkersCount()) === 2, 45_000, 'both workers consuming');
    } finally {
      await queue.close();
    }
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map(exited));
    await app?.close();
    await pool?.end();
    await hooks?.close();
    await redis?.stop();
  });

  const submitPlans = async (n: number) => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const plan = await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201);
      await http.post(`/v1/plans/${plan.body.id}/actions/submit`).set(drafter).expect(200);
      ids.push(plan.body.id);
    }
    return ids;
  };

  /** Every webhook delivery of these plans is marked delivered in PostgreSQL. */
  const allDelivered = async (planIds: string[]) => {
    const { rows } = await pool.query(
      `SELECT count(*) FILTER (WHERE o.status = 'delivered')::int AS delivered, count(*)::int AS total
         FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.plan_id = ANY($1::uuid[]) AND o.channel = 'webhook'`,
      [planIds],
    );
    return rows[0].total === planIds.length && rows[0].delivered === planIds.length;
  };

  const notificationIds = async (planIds: string[]) =>
    (await pool.query(`SELECT id FROM notifications WHERE plan_id = ANY($1::uuid[]) AND entity = $2`, [planIds, t.reviewer])).rows.map((r) => r.id as string);

  it('delivers through the queue with two worker processes sharing it', async () => {
    // A slow receiver keeps each worker's 8 slots busy, so the second worker must take its share.
    hooks.handler.respond = (_hook, res) => void setTimeout(() => res.writeHead(200).end(), 300);
    const plans = await submitPlans(24);
    await eventually(() => allDelivered(plans), 20_000, 'all deliveries');
    hooks.handler.respond = (_hook, res) => void res.writeHead(200).end();
    const by = await pool.query(
      `SELECT DISTINCT o.delivered_by FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.plan_id = ANY($1::uuid[])`,
      [plans],
    );
    const pids = by.rows.map((r) => Number(String(r.delivered_by).split(':')[1]));
    expect(pids.sort()).toEqual(workers.map((w) => w.pid).sort());
    const expected = await notificationIds(plans);
    const got = hooks.received.filter((h) => plans.includes(h.body.planId)).map((h) => h.headers['idempotency-key']);
    expect(new Set(got)).toEqual(new Set(expected));
  });

  it('loses nothing when workers are killed (SIGKILL) while they hold jobs', async () => {
    hooks.handler.respond = (_hook, res) => void setTimeout(() => res.writeHead(200).end(), 400);
    const plans = await submitPlans(12);
    await eventually(() => hooks.received.filter((h) => plans.includes(h.body.planId)).length >= 2, 10_000, 'jobs in flight');
    for (const w of workers.splice(0)) {
      w.kill('SIGKILL');
      await exited(w);
    }
    hooks.handler.respond = (_hook, res) => void res.writeHead(200).end();
    workers.push(startWorker(workerEnv));
    await eventually(() => allDelivered(plans), 30_000, 'every notification after the new worker started');
    const expected = await notificationIds(plans);
    const received = hooks.received.filter((h) => plans.includes(h.body.planId));
    expect(new Set(received.map((h) => h.headers['idempotency-key']))).toEqual(new Set(expected));
    // a duplicate (delivered, then killed before it was recorded) carries the same key and body
    for (const h of received) expect(h.headers['idempotency-key']).toBe(h.body.id);
  });

  it('reports Redis on /health, queue depth and delivery lag on /metrics, and guards the queue dashboard', async () => {
    const health = await http.get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { status: 'up' }, redis: { status: 'up' } });
    const metrics = await http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/govflow_outbox_deliveries\{status="delivered"\} [1-9]/);
    expect(metrics.text).toMatch(/govflow_queue_depth\{state="waiting"\} \d+/);
    expect(metrics.text).toMatch(/govflow_delivery_lag_seconds\{quantile="0.99"\}/);
    await http.get('/admin/queues').expect(401);
    await http.get('/admin/queues').set(bearer(t.tokens[t.coordinator])).expect(403);
    const board = await http.get('/admin/queues').set(bearer(ADMIN_TOKEN)).expect(200);
    expect(board.text).toContain('<html');
    const login = await http.get(`/admin/queues?token=${ADMIN_TOKEN}`).expect(302);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    await http.get('/admin/queues/api/queues').set('Cookie', cookie.split(';')[0]).expect(200);
  });

  it('finishes the deliveries it holds when stopped (SIGTERM): recorded once, never failed or sent twice', async () => {
    // Each answer takes 600 ms, so the worker still holds its deliveries when it is told to stop.
    hooks.handler.respond = (_hook, res) => void setTimeout(() => res.writeHead(200).end(), 600);
    const plans = await submitPlans(3);
    await eventually(() => hooks.received.filter((h) => plans.includes(h.body.planId)).length >= 1, 10_000, 'a delivery in flight');
    const stopping = workers.splice(0);
    for (const w of stopping) w.kill('SIGTERM');
    await Promise.all(stopping.map(exited));
    hooks.handler.respond = (_hook, res) => void res.writeHead(200).end();

    try {
      const { rows } = await pool.query(
        `SELECT o.status, o.attempts, o.last_error FROM outbox o JOIN notifications n ON n.id = o.notification_id
          WHERE n.plan_id = ANY($1::uuid[]) AND o.channel = 'webhook' AND o.attempts > 0`,
        [plans],
      );
      // What the stopped workers had started, they finished and recorded: no failed attempt.
      expect(rows.length).toBeGreaterThanOrEqual(1);
      for (const row of rows) expect(row).toEqual({ status: 'delivered', attempts: 1, last_error: null });
    } finally {
      workers.push(startWorker(workerEnv)); // the next test needs one
    }
    await eventually(() => allDelivered(plans), 20_000, 'the rest, by a new worker');
    const keys = hooks.received.filter((h) => plans.includes(h.body.planId)).map((h) => h.headers['idempotency-key']);
    expect(keys).toHaveLength(new Set(keys).size);
  });

  it('keeps accepting commands while Redis is down and delivers everything once it is back', async () => {
    await redis.stop();
    const plans = await submitPlans(4); // commands still succeed: PostgreSQL is the truth
    const pending = await pool.query(
      `SELECT count(*)::int AS n FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.plan_id = ANY($1::uuid[]) AND o.status = 'pending'`,
      [plans],
    );
    expect(pending.rows[0].n).toBe(4);
    const degraded = await http.get('/health').expect(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', redis: { status: 'down' } });
    // the relay gives its claims back instead of waiting on Redis (before, it held one and hung)
    const unclaimed = async () =>
      (
        await pool.query(
          `SELECT count(*)::int AS n FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.plan_id = ANY($1::uuid[]) AND o.enqueued_at IS NULL`,
          [plans],
        )
      ).rows[0].n === 4;
    await eventually(unclaimed, 10_000, 'claims given back while Redis is down');
    // and an API process stops promptly while Redis is away (before, its shutdown waited on Redis)
    const another = await startApi({ REDIS_URL: redis.url });
    const stopping = Date.now();
    await another.close();
    expect(Date.now() - stopping).toBeLessThan(10_000);
    redis = await startPrivateRedis(redis.port);
    await eventually(() => allDelivered(plans), 45_000, 'deliveries after Redis came back');
  });
});
