import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * outbox_status (status, created_at) let the planner read "status = 'pending'" through an
 * index, and it did so for the worker's "mark these ids delivered" update whenever its
 * statistics said pending rows were few (a new table, or a burst after a quiet spell): every
 * batch of a few dozen ids then walked every pending row, so a backlog made each delivery
 * slower the larger it was (16,000 pending rows: 1.9 ms per batch against 0.35 ms by primary
 * key; the notifications benchmark's PostgreSQL share fell from 97-142 to 43-52 µs per
 * notification without it).
 *
 * In its place, two indexes that no update by id can be planned through:
 *  - outbox_recent (created_at, id): the admin listing, newest first, of every status, and the
 *    count behind the metrics (index-only);
 *  - outbox_dead (created_at, id) of dead rows only: GET /v1/notifications?status=dead.
 * The oldest pending row (delivery lag) is read through outbox_to_enqueue and outbox_leased.
 */
export class OutboxStatusIndex1732407200000 implements MigrationInterface {
  name = 'OutboxStatusIndex1732407200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_status`);
    await q.query(`CREATE INDEX outbox_recent ON outbox (created_at, id)`);
    await q.query(`CREATE INDEX outbox_dead ON outbox (created_at, id) WHERE status = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_dead`);
    await q.query(`DROP INDEX outbox_recent`);
    await q.query(`CREATE INDEX outbox_status ON outbox (status, created_at)`);
  }
}
