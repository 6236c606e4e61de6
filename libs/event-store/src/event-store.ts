import { Pool, PoolClient } from 'pg';
import { VersionConflict } from '@govflow/domain';
import { chainHash, GENESIS_HASH_HEX } from './hash-chain';
import { AppendRequest, AppendResult, GlobalCheckpoint, StoredEvent } from './event-store.types';

const EVENT_COLUMNS = `position::text AS position, stream_id, stream_version, type, data, metadata,
  recorded_at, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash`;

interface EventRow {
  position: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: StoredEvent['metadata'];
  recorded_at: Date;
  prev_hash: string;
  hash: string;
  transaction_id?: string;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    streamId: row.stream_id,
    version: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at.toISOString(),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * One transaction: events of one or more streams, projections, outbox rows and the
 * idempotency record commit together or not at all.
 */
export class EventStoreTransaction {
  constructor(readonly client: PoolClient) {}

  /** Appends in one call; a stale expected version raises VersionConflict. */
  async append(request: AppendRequest): Promise<AppendResult> {
    let prev = request.expectedVersion === 0 ? GENESIS_HASH_HEX : request.expectedHead;
    if (prev === undefined) throw new Error(`append to ${request.streamId}: expectedHead is required after version 0`);
    const expectedHead = prev;
    const stored: StoredEvent[] = request.events.map((event, i) => {
      const version = request.expectedVersion + i + 1;
      const hash = chainHash(prev as string, { streamId: request.streamId, version, ...event });
      const row: StoredEvent = { position: '', streamId: request.streamId, version, ...event, prevHash: prev as string, hash };
      prev = hash;
      return row;
    });
    const head = prev;
    const payload = stored.map((e) => ({
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      recorded_at: e.recordedAt,
      prev_hash: e.prevHash,
      hash: e.hash,
    }));
    try {
      const { rows } = await this.client.query<{ positions: string[] }>(
        `SELECT govflow_append($1, $2, $3, decode($4, 'hex'), $5, decode($6, 'hex'), $7::jsonb)::text[] AS positions`,
        [request.streamId, request.streamType, request.expectedVersion, expectedHead, request.expectedVersion + stored.length, head, JSON.stringify(payload)],
      );
      rows[0].positions.forEach((position, i) => (stored[i].position = position));
    } catch (error) {
      if (isConflict(error)) {
        throw new VersionConflict({
          es: `Otra persona modificó ${request.streamId} al mismo tiempo. Vuelva a cargarlo e intente de nuevo.`,
          en: `Someone else changed ${request.streamId} at the same time. Reload it and try again.`,
        });
      }
      throw error;
    }
    return { streamId: request.streamId, version: request.expectedVersion + stored.length, head, events: stored };
  }

  query<R extends Record<string, any> = any>(sql: string, params: unknown[] = []) {
    return this.client.query<R>(sql, params);
  }
}

function isConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // GF409 from govflow_append; 23505 if two first appends race past ON CONFLICT.
  return code === 'GF409' || (code === '23505' && (error as { constraint?: string }).constraint === 'events_stream_version_unique');
}

export class EventStore {
  constructor(readonly pool: Pool) {}

  /** Runs `work` in one transaction; rolls back on any error. */
  async transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new EventStoreTransaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** A stream's events in version order, optionally up to a version or an instant (inclusive). */
  async readStream(streamId: string, options: { toVersion?: number; until?: string } = {}): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE stream_id = $1
          AND ($2::int IS NULL OR stream_version <= $2)
          AND ($3::timestamptz IS NULL OR recorded_at <= $3)
        ORDER BY stream_version`,
      [streamId, options.toVersion ?? null, options.until ?? null],
    );
    return rows.map(toStoredEvent);
  }

  /**
   * Events in global order after `from`. Only transactions older than every transaction
   * still running are returned, so an event that commits after a higher position is
   * picked up on a later call instead of being skipped.
   */
  async readAll(from: GlobalCheckpoint, limit = 1000): Promise<{ events: StoredEvent[]; checkpoint: GlobalCheckpoint }> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS}, transaction_id::text AS transaction_id FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY events.transaction_id, events.position -- the columns, not the text aliases above
        LIMIT $3`,
      [from.transactionId, from.position, limit],
    );
    const last = rows[rows.length - 1];
    return {
      events: rows.map(toStoredEvent),
      checkpoint: last ? { transactionId: last.transaction_id as string, position: last.position } : from,
    };
  }
}
