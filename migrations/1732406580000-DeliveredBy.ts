import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which process delivered a notification (host:pid): operations can tell the workers apart. */
export class DeliveredBy1732406580000 implements MigrationInterface {
  name = 'DeliveredBy1732406580000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN delivered_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN delivered_by`);
  }
}
