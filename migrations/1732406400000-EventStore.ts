import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store: streams with their version and head hash, events in global order with a
 * per-stream hash chain, and the append function that checks the expected version and
 * writes a batch of events in one call.
 */
export class EventStore1732406400000 implements MigrationInterface {
  name = 'EventStore1732406400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE streams (
        stream_id   text PRIMARY KEY,
        stream_type text NOT NULL,
        version     integer NOT NULL CHECK (version > 0),
        head_hash   bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE events (
        position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id      text NOT NULL,
        stream_version integer NOT NULL,
        type           text NOT NULL,
        data           jsonb NOT NULL,
        metadata       jsonb NOT NULL,
        recorded_at    timestamptz NOT NULL,
        prev_hash      bytea NOT NULL,
        hash           bytea NOT NULL,
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
      )`);
    // Readers in global order page by (transaction_id, position) below the snapshot's xmin,
    // so an event that commits after a higher position is never skipped.
    await q.query(`CREATE INDEX events_transaction_position ON events (transaction_id, position)`);
    await q.query(`CREATE INDEX events_recorded_at ON events (recorded_at)`);

    // One call per append: version check, stream head update and event rows. A lost race
    // raises SQLSTATE GF409 (the expected version or head hash is no longer current).
    await q.query(`
      CREATE FUNCTION govflow_append(
        p_stream_id text, p_stream_type text, p_expected_version integer, p_expected_head bytea,
        p_new_version integer, p_new_head bytea, p_events jsonb
      ) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
      DECLARE
        positions bigint[];
      BEGIN
        IF p_expected_version = 0 THEN
          INSERT INTO streams (stream_id, stream_type, version, head_hash)
          VALUES (p_stream_id, p_stream_type, p_new_version, p_new_head)
          ON CONFLICT (stream_id) DO NOTHING;
        ELSE
          UPDATE streams SET version = p_new_version, head_hash = p_new_head, updated_at = now()
           WHERE stream_id = p_stream_id AND version = p_expected_version AND head_hash = p_expected_head;
        END IF;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'stream % is no longer at version %', p_stream_id, p_expected_version
            USING ERRCODE = 'GF409';
        END IF;
        WITH inserted AS (
          INSERT INTO events (stream_id, stream_version, type, data, metadata, recorded_at, prev_hash, hash)
          SELECT p_stream_id, e.version, e.type, e.data, e.metadata, e.recorded_at,
                 decode(e.prev_hash, 'hex'), decode(e.hash, 'hex')
            FROM jsonb_to_recordset(p_events)
                 AS e(version integer, type text, data jsonb, metadata jsonb, recorded_at timestamptz, prev_hash text, hash text)
           ORDER BY e.version
          RETURNING position
        )
        SELECT array_agg(position ORDER BY position) INTO positions FROM inserted;
        RETURN positions;
      END
      $fn$`);

    // Idempotency: a command id is recorded with its first answer.
    await q.query(`
      CREATE TABLE commands (
        actor_id    text NOT NULL,
        command_id  text NOT NULL,
        fingerprint text NOT NULL,
        status      integer NOT NULL,
        response    jsonb NOT NULL,
        etag        text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (actor_id, command_id)
      )`);

    // Transactional outbox: written with the events, relayed after commit.
    await q.query(`
      CREATE TABLE outbox (
        id              uuid PRIMARY KEY,
        event_position  bigint,
        kind            text NOT NULL,
        payload         jsonb NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        delivered_at    timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE commands`);
    await q.query(`DROP FUNCTION govflow_append(text, text, integer, bytea, integer, bytea, jsonb)`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP TABLE streams`);
  }
}
