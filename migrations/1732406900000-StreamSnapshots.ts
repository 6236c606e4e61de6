import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots of long streams: the folded state at one version, so that loading a plan of
 * thousands of events reads the snapshot and the events after it instead of all of them.
 *
 * A snapshot is a cache, never a source of truth. `state` is kept as text, byte for byte as it
 * was authenticated: `mac` is an HMAC over the schema, the stream, the version, the hash of the
 * event at that version and the state, with a key that lives outside the database. A row that
 * does not verify is ignored and the stream is folded from its first event. Storage is EXTERNAL
 * (out of line, uncompressed): a snapshot is read whole on every load of its stream.
 */
export class StreamSnapshots1732406900000 implements MigrationInterface {
  name = 'StreamSnapshots1732406900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE snapshots (
        stream_id text PRIMARY KEY,
        schema text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        state text NOT NULL,
        mac bytea NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE snapshots`);
  }
}
