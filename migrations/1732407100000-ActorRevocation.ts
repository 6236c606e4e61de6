import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a person's access was revoked (event `actor.revoked`); their credential row is deleted then. */
export class ActorRevocation1732407100000 implements MigrationInterface {
  name = 'ActorRevocation1732407100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE actors ADD COLUMN revoked_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE actors DROP COLUMN revoked_at`);
  }
}
