import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, createPublicKey, verify as verifySignature } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { canonicalJson } from '@govflow/domain';
import { PG_POOL, StoredEvent, toStoredEvent } from '@govflow/event-store';
import { VerificationFailure, verifyStream } from './chain-verifier';
import { SIGNING_KEY, checkpointPayload, toCheckpoint } from './checkpoint';
import { StreamHead, merkleRoot } from './merkle';
import { SigningKey } from './signing-key';

const PAGE = 5000;

export interface VerificationReport {
  ok: boolean;
  streams: number;
  events: number;
  /** The latest signed checkpoint the history was checked against, if any. */
  checkpoint: { id: string; createdAt: string } | null;
  failures: VerificationFailure[];
}

/**
 * Recomputes every stream's hash chain from one consistent snapshot, a page of events at a time,
 * and checks it against the latest checkpoint: that one's signature and Merkle root first (a
 * checkpoint row edited in the database is not believed), then every head it signed.
 */
@Injectable()
export class AuditService {
  /** The signing key's public half, to check the checkpoints with. */
  private readonly publicKey: KeyObject;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SIGNING_KEY) key: SigningKey,
  ) {
    this.publicKey = createPublicKey(key.publicKeyPem);
  }

  async verify(): Promise<VerificationReport> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const report = await this.verifyIn(client);
      await client.query('COMMIT');
      return report;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The same, inside the caller's REPEATABLE READ transaction (the checkpoint signer's). */
  async verifyIn(client: PoolClient): Promise<VerificationReport> {
    const heads = new Map<string, { version: number; hash: string }>();
    const streamRows = await client.query(`SELECT stream_id, version, encode(head_hash, 'hex') AS hash FROM streams`);
    for (const r of streamRows.rows) heads.set(r.stream_id, { version: r.version, hash: r.hash });
    // What the latest checkpoint signed must still be there: a deleted tail or stream shows.
    // Every checkpoint must hold up, as the offline verifier checks them all: its signature, its
    // Merkle root, and its place after the one before. Only then are the latest one's heads believed.
    const all = (await client.query(`SELECT * FROM checkpoints ORDER BY id`)).rows;
    const failures: VerificationFailure[] = [];
    let authentic = true;
    all.forEach((row, i) => {
      const before = all[i - 1];
      const detail = !this.authentic(row)
        ? `checkpoint ${row.id} does not verify with this server's public key (its signature or its heads were changed)`
        : before && (row.created_at < before.created_at || Number(row.events) < Number(before.events))
          ? `checkpoint ${row.id} is earlier than checkpoint ${before.id}, which comes before it`
          : undefined;
      if (detail) failures.push({ streamId: `checkpoint-${row.id}`, version: 0, reason: 'checkpoint not authentic', detail });
      authentic = !detail;
    });
    const latest = all[all.length - 1];
    const signed = new Map<string, StreamHead>((authentic ? ((latest?.heads ?? []) as StreamHead[]) : []).map((h) => [h.streamId, h]));
    const seen = new Set<string>();
    const checkSigned = (streamId: string, events: StoredEvent[]) => {
      const head = signed.get(streamId);
      if (!head) return;
      const event = events.find((e) => e.version === head.version);
      if (!event || event.hash !== head.hash) {
        failures.push({
          streamId,
          version: head.version,
          reason: 'deleted after checkpoint',
          detail: `checkpoint ${latest.id} signed version ${head.version} of this stream; ${event ? 'its hash has changed' : 'it is gone'}`,
        });
      }
    };
    let events = 0;
    let current = '';
    let buffer: StoredEvent[] = [];
    const flush = () => {
      if (!current) return;
      failures.push(...verifyStream(current, buffer, heads.get(current)));
      checkSigned(current, buffer);
      seen.add(current);
      buffer = [];
    };
    let after: [string, number] = ['', 0];
    for (;;) {
      const { rows } = await client.query(
        `SELECT position::text AS position, stream_id, stream_version, type, data, metadata, recorded_at,
                encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
           FROM events WHERE (stream_id, stream_version) > ($1, $2) ORDER BY stream_id, stream_version LIMIT ${PAGE}`,
        after,
      );
      for (const row of rows) {
        if (row.stream_id !== current) {
          flush();
          current = row.stream_id;
        }
        buffer.push(toStoredEvent(row));
        events++;
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1];
      after = [last.stream_id, last.stream_version];
    }
    flush();
    // A stream whose every event was deleted still has its head.
    for (const [streamId, head] of heads) {
      if (!seen.has(streamId)) failures.push(...verifyStream(streamId, [], head));
    }
    for (const streamId of signed.keys()) if (!seen.has(streamId)) checkSigned(streamId, []);
    const checkpoint = latest ? { id: String(latest.id), createdAt: latest.created_at.toISOString() } : null;
    return { ok: failures.length === 0, streams: heads.size, events, checkpoint, failures };
  }

  /** The row's signature holds for its payload, and its heads give its Merkle root. */
  private authentic(row: any): boolean {
    const c = toCheckpoint(row);
    try {
      const payload = Buffer.from(canonicalJson(checkpointPayload(c)), 'utf8');
      return verifySignature(null, payload, this.publicKey, Buffer.from(c.signature, 'base64')) && merkleRoot(row.heads ?? []) === c.merkleRoot;
    } catch {
      return false;
    }
  }
}
