import { Pool, PoolClient, QueryResult } from 'pg';
import { VersionConflict } from '@govflow/domain';
import { chainHash, GENESIS_HASH_HEX } from './hash-chain';
import { AppendRequest, AppendResult, GlobalCheckpoint, StoredEvent } from './event-store.types';

// The exact text pg sends for a parameter (dates, arrays, JSON, ...), to write it as a literal.
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => string | Buffer | null };

export const EVENT_COLUMNS = `position::text AS position, stream_id, stream_version, type, data, metadata,
  recorded_at, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash`;

export interface EventRow {
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
 *
 * Round trips are what a command costs on a busy machine, so the transaction sends as few as
 * its statements allow. BEGIN reaches the server with the first statement, and writes whose
 * results nobody reads (`write`: read models, notifications, the idempotency record) travel
 * with the next statement or with COMMIT. Such a batch is one simple-protocol message
 * (`BEGIN; ...; SELECT govflow_append(...)`, or `...; COMMIT`): PostgreSQL parses the whole
 * message before running any of it and stops at the first error, so nothing in it can run
 * outside the transaction, and a failing write fails the transaction as it always did.
 * A statement whose arguments cannot be written exactly as literals (text with NUL, binary)
 * goes as an ordinary parameterised query instead.
 */
export class EventStoreTransaction implements SqlWriter {
  /** Settles when BEGIN has run; undefined until the first statement is sent. */
  private begun?: Promise<unknown>;
  /** Writes waiting for the next statement or COMMIT. */
  private pending: { sql: string; params: unknown[] }[] = [];

  constructor(private readonly client: PoolClient) {}

  /** Whether anything was sent, so there is a transaction to commit or roll back. */
  get started(): boolean {
    return this.begun !== undefined;
  }

  /** Appends in one call; a stale expected version raises VersionConflict. */
  async append(request: AppendRequest): Promise<AppendResult> {
    const append = prepareAppend(request);
    return finishAppend(request, append, async () => {
      const writes = this.inlinePending();
      const call = inlineStatement(APPEND_SQL, append.args);
      if (writes && call) {
        const results = await this.sendInline([...writes, call]);
        return results[results.length - 1].rows[0].positions;
      }
      await this.flush();
      return (await this.client.query<{ positions: string[] }>(APPEND_SQL, [...append.args])).rows[0].positions;
    });
  }

  async query<R extends Record<string, any> = any>(sql: string, params: unknown[] = []) {
    await this.flush();
    return this.client.query<R>(sql, params);
  }

  /**
   * A statement whose result is not needed, sent with the transaction's next statement or its
   * COMMIT. Its errors surface there and fail the transaction. In `sql`, `$n` must only ever
   * be a placeholder (no `$` inside string constants or dollar quotes).
   */
  write(sql: string, params: unknown[] = []): void {
    this.pending.push({ sql, params });
  }

  /** COMMIT, with the writes still waiting; nothing at all when nothing was sent or queued. */
  async commit(): Promise<void> {
    if (this.begun === undefined && this.pending.length === 0) return;
    const writes = this.inlinePending();
    if (writes) {
      await this.sendInline([...writes, 'COMMIT']);
      return;
    }
    await this.flush();
    await this.client.query('COMMIT');
  }

  /** Sends BEGIN (if not yet) and the waiting writes, so that a query sees them. */
  private async flush(): Promise<void> {
    const writes = this.inlinePending();
    if (writes) {
      if (writes.length > 0 || this.begun === undefined) await this.sendInline(writes);
      return;
    }
    await (this.begun ??= this.client.query('BEGIN'));
    const pending = this.pending;
    this.pending = [];
    for (const w of pending) await this.client.query(w.sql, w.params);
  }

  /** The waiting writes as literal statements, or undefined if one of them cannot be. */
  private inlinePending(): string[] | undefined {
    const statements: string[] = [];
    for (const w of this.pending) {
      const inlined = inlineStatement(w.sql, w.params);
      if (inlined === undefined) return undefined;
      statements.push(inlined);
    }
    return statements;
  }

  /** One simple-protocol message: BEGIN first if not yet sent, then the statements. */
  private async sendInline(statements: string[]): Promise<QueryResult[]> {
    const first = this.begun === undefined;
    const message = [...(first ? ['BEGIN'] : []), ...statements].join(';\n');
    this.pending = [];
    const sent = this.client.query(message) as unknown as Promise<QueryResult | QueryResult[]>;
    if (first) this.begun = sent.catch(() => undefined);
    else await this.begun;
    const results = await sent;
    return Array.isArray(results) ? results : [results];
  }
}

/** Where a projection or outbox row is written: a transaction's deferred writes. */
export interface SqlWriter {
  write(sql: string, params?: unknown[]): void;
}

type AppendArgs = [streamId: string, streamType: string, expectedVersion: number, expectedHead: string, newVersion: number, newHead: string, events: string];

interface PreparedAppend {
  stored: StoredEvent[];
  head: string;
  args: AppendArgs;
}

const APPEND_SQL = `SELECT govflow_append($1, $2, $3, decode($4, 'hex'), $5, decode($6, 'hex'), $7::jsonb)::text[] AS positions`;

/** Chains the events' hashes from the expected head and builds govflow_append's arguments. */
function prepareAppend(request: AppendRequest): PreparedAppend {
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
  const args: AppendArgs = [request.streamId, request.streamType, request.expectedVersion, expectedHead, request.expectedVersion + stored.length, head, JSON.stringify(payload)];
  return { stored, head, args };
}

/** Runs the call, fills in the positions, and turns a lost race into VersionConflict. */
async function finishAppend(request: AppendRequest, append: PreparedAppend, call: () => Promise<string[]>): Promise<AppendResult> {
  try {
    const positions = await call();
    positions.forEach((position, i) => (append.stored[i].position = position));
  } catch (error) {
    if (isConflict(error)) {
      throw new VersionConflict({
        es: `Otra persona modificó ${request.streamId} al mismo tiempo. Vuelva a cargarlo e intente de nuevo.`,
        en: `Someone else changed ${request.streamId} at the same time. Reload it and try again.`,
      });
    }
    throw error;
  }
  return { streamId: request.streamId, version: request.expectedVersion + append.stored.length, head: append.head, events: append.stored };
}

/**
 * A parameterised statement with its parameters written as SQL literals: each as the text pg
 * would have sent for it (its own prepareValue), quoted, so PostgreSQL infers its type from
 * the context exactly as for an untyped parameter. Undefined when a value cannot be written
 * exactly (binary, or text with NUL).
 */
function inlineStatement(sql: string, params: unknown[]): string | undefined {
  const values: string[] = [];
  for (const param of params) {
    const text = prepareValue(param);
    if (text === null) values.push('NULL');
    else if (typeof text === 'string' && !text.includes('\0')) values.push(literal(text));
    else return undefined;
  }
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    if (value === undefined) throw new Error(`statement refers to $${n}, but has ${values.length} parameters`);
    return value;
  });
}

/**
 * A string as a SQL literal, as pg's escapeLiteral writes it (quotes doubled; with a backslash,
 * the E'' form with backslashes doubled, right whatever standard_conforming_strings says), but
 * with native replaces instead of a loop over characters: events are kilobytes of JSON.
 */
function literal(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

function isConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // GF409 from govflow_append when the stream moved on; 23505 when the stream to create
  // exists (streams_pkey), or as a last line, on the events' own (stream, version) key.
  const constraint = (error as { constraint?: string }).constraint;
  return code === 'GF409' || (code === '23505' && (constraint === 'streams_pkey' || constraint === 'events_stream_version_unique'));
}

export class EventStore {
  constructor(readonly pool: Pool) {}

  /** Runs `work` in one transaction; rolls back on any error. */
  async transaction<T>(work: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx = new EventStoreTransaction(client);
    try {
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (error) {
      if (tx.started) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * One append as a transaction of its own, in one round trip: a single statement commits
   * whole or not at all, exactly as `transaction((tx) => tx.append(request))` would, without
   * the BEGIN and COMMIT messages.
   */
  async append(request: AppendRequest): Promise<AppendResult> {
    const append = prepareAppend(request);
    return finishAppend(request, append, async () => {
      const call = inlineStatement(APPEND_SQL, append.args);
      const { rows } = call
        ? await this.pool.query<{ positions: string[] }>(call)
        : await this.pool.query<{ positions: string[] }>(APPEND_SQL, [...append.args]);
      return rows[0].positions;
    });
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
