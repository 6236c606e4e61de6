import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots are kept compressed (raw DEFLATE of the state's JSON), authenticated as stored.
 *
 * A plan of 10,000 events folds to about 1.1 MB of JSON. Reading that text cost 17-30 ms on
 * the 2026-12-08 host, most of it PostgreSQL sending the value and the client taking it in
 * (the same 1.1 MB from `repeat()` cost as much), against 2-3 ms for its 140 kB compressed.
 * Snapshots are a cache: the old rows are dropped and the next loads leave new ones.
 */
export class CompressedSnapshots1732407300000 implements MigrationInterface {
  name = 'CompressedSnapshots1732407300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`TRUNCATE snapshots`);
    await q.query(`ALTER TABLE snapshots DROP COLUMN state, ADD COLUMN state bytea NOT NULL`);
    // Out of line and not compressed again: it is compressed already.
    await q.query(`ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`TRUNCATE snapshots`);
    await q.query(`ALTER TABLE snapshots DROP COLUMN state, ADD COLUMN state text NOT NULL`);
    await q.query(`ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTERNAL`);
  }
}
