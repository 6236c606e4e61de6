import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: the inbox (one row per notified institution, written with the events that
 * caused it), each institution's external channels (secrets apart from the events), and the
 * outbox rows that carry a notification to a webhook or a mailbox after commit.
 */
export class Notifications1732406520000 implements MigrationInterface {
  name = 'Notifications1732406520000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id             uuid PRIMARY KEY,
        entity         text NOT NULL,
        type           text NOT NULL,
        event_position bigint NOT NULL,
        mesa           text,
        plan_id        uuid,
        task_id        uuid,
        message_es     text NOT NULL,
        message_en     text NOT NULL,
        subject_es     text NOT NULL,
        subject_en     text NOT NULL,
        created_at     timestamptz NOT NULL,
        read_at        timestamptz
      )`);
    await q.query(`CREATE INDEX notifications_inbox ON notifications (entity, created_at DESC, id)`);
    await q.query(`CREATE INDEX notifications_unread ON notifications (entity) WHERE read_at IS NULL`);
    await q.query(`
      CREATE TABLE entity_channels (
        code           text PRIMARY KEY,
        email          text,
        webhook_url    text,
        webhook_secret text,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE outbox ADD COLUMN notification_id uuid, ADD COLUMN channel text, ADD COLUMN enqueued_at timestamptz`);
    await q.query(`CREATE INDEX outbox_to_enqueue ON outbox (next_attempt_at) WHERE status = 'pending' AND enqueued_at IS NULL`);
    await q.query(`CREATE INDEX outbox_status ON outbox (status, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_status`);
    await q.query(`DROP INDEX outbox_to_enqueue`);
    await q.query(`ALTER TABLE outbox DROP COLUMN notification_id, DROP COLUMN channel, DROP COLUMN enqueued_at`);
    await q.query(`DROP TABLE entity_channels`);
    await q.query(`DROP TABLE notifications`);
  }
}
