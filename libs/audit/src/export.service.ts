import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { PG_POOL, toStoredEvent } from '@govflow/event-store';

const PAGE = 1000;

const eventLine = (e: ReturnType<typeof toStoredEvent>) => ({
  position: e.position,
  streamId: e.streamId,
  version: e.version,
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt,
  prevHash: e.prevHash,
  hash: e.hash,
});

/**
 * The audit export: NDJSON, every event (recorded in [from, to]) in global order with its
 * hashes, then every checkpoint with the heads it signed. Read a page at a time and written
 * with backpressure, so memory stays flat however large the history.
 */
@Injectable()
export class ExportService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async *lines(range: { from?: string; to?: string }): AsyncGenerator<string> {
    // The header says whether this is the whole history: then a signed stream missing from it was deleted.
    yield `${JSON.stringify({ kind: 'export', format: 'govflow-export/1', from: range.from ?? null, to: range.to ?? null, exportedAt: new Date().toISOString() })}\n`;
    // One snapshot for the whole file: pages by position never miss an event that commits late.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      yield* this.snapshotLines(client, range);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async *snapshotLines(client: PoolClient, range: { from?: string; to?: string }): AsyncGenerator<string> {
    let after = '0';
    for (;;) {
      const { rows } = await client.query(
        `SELECT position::text AS position, stream_id, stream_version, type, data, metadata, recorded_at,
                encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
           FROM events
          WHERE events.position > $1::bigint AND ($2::timestamptz IS NULL OR recorded_at >= $2) AND ($3::timestamptz IS NULL OR recorded_at <= $3)
          ORDER BY events.position LIMIT ${PAGE}`,
        [after, range.from ?? null, range.to ?? null],
      );
      for (const row of rows) yield `${JSON.stringify({ kind: 'event', ...eventLine(toStoredEvent(row)) })}\n`;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].position;
    }
    const checkpoints = await client.query(`SELECT * FROM checkpoints ORDER BY id`);
    for (const c of checkpoints.rows) {
      yield `${JSON.stringify({
        kind: 'checkpoint',
        id: String(c.id),
        merkleRoot: c.merkle_root,
        streams: c.streams,
        events: Number(c.events),
        lastPosition: String(c.last_position),
        createdAt: c.created_at.toISOString(),
        keyId: c.key_id,
        signature: c.signature,
        heads: c.heads,
      })}\n`;
    }
  }
}
