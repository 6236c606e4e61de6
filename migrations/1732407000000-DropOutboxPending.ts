import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * outbox_pending (next_attempt_at of pending rows) has served no query since the relay's claim
 * moved to outbox_to_enqueue and outbox_leased, yet every claim and every delivery wrote to it:
 * each claim changes enqueued_at, so the row update cannot be HOT and touches every index.
 */
export class DropOutboxPending1732407000000 implements MigrationInterface {
  name = 'DropOutboxPending1732407000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_pending`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending'`);
  }
}
