import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { loadConfig } from '@govflow/config';
import { DeliveryService } from '@govflow/notifications';
import { claimDueOutbox } from '@govflow/notifications/outbox-claim';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';
import { startSmtpServer, startWebhookReceiver } from '../support/receivers';

/**
 * The BullMQ worker ends an attempt once the receiver accepted it and writes the delivered
 * record in the background. A record that never lands must not lose the notification: the row
 * stays pending and is claimed again when its lease runs out (same Idempotency-Key).
 */
describe('delivered records written in the background', () => {
  let db: ScratchDatabase;
  let pool: Pool;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let delivery: DeliveryService;

  beforeAll(async () => {
    db = await scratchDatabase('govflow_records');
    pool = new Pool({ connectionString: db.url, max: 4 });
    hooks = await startWebhookReceiver();
    delivery = new DeliveryService(pool, loadConfig({ DATABASE_URL: db.url }));
    await pool.query(`INSERT INTO entity_channels (code, webhook_url, webhook_secret) VALUES ('GAE', $1, 'secreto-de-prueba-0123456789')`, [hooks.url]);
  });
  afterAll(async () => {
    delivery.onApplicationShutdown();
    await pool.end();
    await hooks.close();
    await db.drop();
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE outbox, notifications');
    await pool.query('DROP TRIGGER IF EXISTS refuse_delivered ON outbox');
    hooks.received.length = 0;
  });

  /** A pending row (a webhook to GAE unless told), enqueued `enqueuedSecondsAgo` ago; returns its outbox id. */
  async function pending(enqueuedSecondsAgo = 0, entity = 'GAE', channel: 'webhook' | 'email' = 'webhook'): Promise<string> {
    const id = randomUUID();
    const notification = randomUUID();
    await pool.query(
      `INSERT INTO notifications (id, entity, type, event_position, message_es, message_en, subject_es, subject_en, created_at)
       VALUES ($1, $2, 'plan.submitted', 1, 'Plan enviado', 'Plan submitted', 'Plan enviado', 'Plan submitted', now())`,
      [notification, entity],
    );
    await pool.query(
      `INSERT INTO outbox (id, event_position, kind, payload, notification_id, channel, status, enqueued_at)
       VALUES ($1, 1, $4, '{}', $2, $4, 'pending', now() - $3::int * interval '1 second')`,
      [id, notification, enqueuedSecondsAgo, channel],
    );
    return id;
  }

  const status = async (id: string) => (await pool.query(`SELECT status, delivered_by, attempts FROM outbox WHERE id = $1`, [id])).rows[0];

  it('ends attempts before their records land, and settled() waits for the records', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => pending()));
    // Another transaction holds the rows, so the records wait for it.
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM outbox WHERE id = ANY($1::uuid[]) FOR UPDATE', [ids]);

    let settling: Promise<unknown>;
    try {
      const outcomes = await Promise.all(ids.map((id) => delivery.attempt(id, { recordInBackground: true })));
      expect(outcomes).toEqual(Array(12).fill('delivered'));
      expect(hooks.received).toHaveLength(12);
      let settled = false;
      settling = delivery.settled().then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(settled).toBe(false);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    await settling;
    for (const id of ids) expect(await status(id)).toMatchObject({ status: 'delivered', attempts: 1, delivered_by: expect.stringMatching(/:\d+$/) });
    // Delivered already: another attempt (a duplicate job) sends nothing.
    expect(await delivery.attempt(ids[0], { recordInBackground: true })).toBe('skipped');
    expect(hooks.received).toHaveLength(12);
  });

  it('leaves a delivery whose record failed pending, to be claimed again when its lease runs out', async () => {
    // PostgreSQL refuses the record (as it would while failing over), after the receiver said yes.
    await pool.query(`CREATE OR REPLACE FUNCTION refuse_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.status = 'delivered' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await pool.query(`CREATE TRIGGER refuse_delivered BEFORE UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_delivered()`);
    const id = await pending(120);

    expect(await delivery.attempt(id, { recordInBackground: true })).toBe('delivered');
    await delivery.settled();
    expect(await status(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(hooks.received).toHaveLength(1);

    // Its lease (enqueued 120 s ago) has run out: the relay hands it out again, and the next
    // attempt sends it with the same Idempotency-Key and records it.
    await pool.query('DROP TRIGGER refuse_delivered ON outbox');
    expect(await claimDueOutbox(pool, 10, 60_000)).toEqual([id]);
    expect(await delivery.attempt(id)).toBe('delivered');
    expect(await status(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    const keys = hooks.received.map((h) => h.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('awaits the record by default, as the in-process dispatcher needs', async () => {
    const id = await pending();
    expect(await delivery.attempt(id)).toBe('delivered');
    expect(await status(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('keeps an e-mail pending, without using up an attempt, while there is no SMTP_URL, and sends it once there is', async () => {
    await pool.query(`INSERT INTO entity_channels (code, email) VALUES ('CGC', 'mesa@cgc.example') ON CONFLICT (code) DO UPDATE SET email = EXCLUDED.email`);
    const id = await pending(0, 'CGC', 'email');
    for (let i = 0; i < 3; i++) expect(await delivery.attempt(id)).toBe('waiting');
    const waiting = (await pool.query(`SELECT status, attempts, last_error, next_attempt_at > now() + interval '4 minutes' AS later FROM outbox WHERE id = $1`, [id])).rows[0];
    expect(waiting).toEqual({ status: 'pending', attempts: 0, last_error: expect.stringContaining('SMTP_URL'), later: true });
    expect(await claimDueOutbox(pool, 10, 60_000)).toEqual([]); // not due again before its recheck

    const smtp = await startSmtpServer();
    const withSmtp = new DeliveryService(pool, loadConfig({ DATABASE_URL: db.url, SMTP_URL: smtp.url }));
    try {
      expect(await withSmtp.attempt(id)).toBe('delivered');
      expect(smtp.mails).toHaveLength(1);
      expect(await status(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      withSmtp.onApplicationShutdown();
      await smtp.close();
    }
  });
});
