import { Inject, Injectable } from '@nestjs/common';
import { sign } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { canonicalJson } from '@govflow/domain';
import { PG_POOL, toStoredEvent } from '@govflow/event-store';
import { SIGNING_KEY } from './checkpoint';
import { EXPORT_FORMAT, ExportDigest, SealPayload, sealPayload } from './seal';
import { SigningKey } from './signing-key';

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
 * The audit export: NDJSON, a header, every event (recorded in [from, to]) in global order with
 * its hashes, every checkpoint with the heads it signed, and last a seal: the signature over
 * the SHA-256 of every line before it, so that a line changed, dropped, added or moved after the
 * export is caught, however the file travels. Read a page at a time and written with
 * backpressure, so memory stays flat however large the history.
 */
@Injectable()
export class ExportService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
  ) {}

  async *lines(range: { from?: string; to?: string }): AsyncGenerator<string> {
    const digest = new ExportDigest();
    const line = (record: object) => {
      const text = JSON.stringify(record);
      digest.add(text);
      return `${text}\n`;
    };
    const header = { kind: 'export', format: EXPORT_FORMAT, from: range.from ?? null, to: range.to ?? null, exportedAt: new Date().toISOString() };
    yield line(header);
    // One snapshot for the whole file: pages by position never miss an event that commits late.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for await (const record of this.snapshotRecords(client, range)) yield line(record);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const seal: SealPayload = sealPayload({ ...header, kind: 'seal', lines: digest.lines, digest: digest.hex(), keyId: this.key.keyId });
    const signature = sign(null, Buffer.from(canonicalJson(seal), 'utf8'), this.key.privateKey).toString('base64');
    yield `${JSON.stringify({ ...seal, signature })}\n`;
  }

  private async *snapshotRecords(client: PoolClient, range: { from?: string; to?: string }): AsyncGenerator<object> {
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
      for (const row of rows) yield { kind: 'event', ...eventLine(toStoredEvent(row)) };
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].position;
    }
    const checkpoints = await client.query(`SELECT * FROM checkpoints ORDER BY id`);
    for (const c of checkpoints.rows) {
      yield {
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
      };
    }
  }
}
