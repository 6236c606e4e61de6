import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's claim reads two index ranges instead of filtering every pending row: rows never
 * enqueued (outbox_to_enqueue) and rows whose lease ran out (this index). Before, a claim
 * scanned every enqueued-but-undelivered row and then the whole table, so its cost grew
 * with the outbox.
 */
export class OutboxLeaseIndex1732406770000 implements MigrationInterface {
  name = 'OutboxLeaseIndex1732406770000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outbox_leased ON outbox (enqueued_at) WHERE status = 'pending' AND enqueued_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_leased`);
  }
}
