import { MigrationInterface, QueryRunner } from 'typeorm';

/** Signed checkpoints: an Ed25519 signature over a Merkle root of every stream head at a moment. */
export class Checkpoints1732406700000 implements MigrationInterface {
  name = 'Checkpoints1732406700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE checkpoints (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at    timestamptz NOT NULL,
        last_position bigint NOT NULL,
        events        bigint NOT NULL,
        streams       integer NOT NULL,
        merkle_root   text NOT NULL,
        heads         jsonb NOT NULL,
        key_id        text NOT NULL,
        signature     text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkpoints`);
  }
}
