import { Inject, Injectable } from '@nestjs/common';
import { sign } from 'node:crypto';
import { Pool } from 'pg';
import { canonicalJson } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';
import { StreamHead, merkleRoot } from './merkle';
import { SigningKey } from './signing-key';

export const SIGNING_KEY = Symbol('SIGNING_KEY');

/** What is signed: canonical JSON of these fields. */
export interface CheckpointPayload {
  merkleRoot: string;
  streams: number;
  events: number;
  lastPosition: string;
  createdAt: string;
}

export interface Checkpoint extends CheckpointPayload {
  id: string;
  keyId: string;
  /** Ed25519 over canonical_json(payload), base64. */
  signature: string;
}

const toCheckpoint = (r: any): Checkpoint => ({
  id: String(r.id),
  merkleRoot: r.merkle_root,
  streams: r.streams,
  events: Number(r.events),
  lastPosition: String(r.last_position),
  createdAt: r.created_at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
});

export const checkpointPayload = (c: CheckpointPayload): CheckpointPayload => ({
  merkleRoot: c.merkleRoot,
  streams: c.streams,
  events: c.events,
  lastPosition: c.lastPosition,
  createdAt: c.createdAt,
});

/** Signs, with Ed25519, a Merkle root over every stream head plus the count of events and the last position. */
@Injectable()
export class CheckpointService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
  ) {}

  get publicKey() {
    return { algorithm: 'Ed25519', keyId: this.key.keyId, publicKey: this.key.publicKeyPem };
  }

  async create(now = new Date()): Promise<Checkpoint> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const heads = (await client.query(`SELECT stream_id, version, encode(head_hash, 'hex') AS hash FROM streams ORDER BY stream_id`)).rows.map(
        (r): StreamHead => ({ streamId: r.stream_id, version: r.version, hash: r.hash }),
      );
      const totals = (await client.query(`SELECT count(*)::bigint AS events, COALESCE(max(position), 0)::text AS last FROM events`)).rows[0];
      const payload: CheckpointPayload = {
        merkleRoot: merkleRoot(heads),
        streams: heads.length,
        events: Number(totals.events),
        lastPosition: totals.last,
        createdAt: now.toISOString(),
      };
      const signature = sign(null, Buffer.from(canonicalJson(payload), 'utf8'), this.key.privateKey).toString('base64');
      const { rows } = await client.query(
        `INSERT INTO checkpoints (created_at, last_position, events, streams, merkle_root, heads, key_id, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [payload.createdAt, payload.lastPosition, payload.events, payload.streams, payload.merkleRoot, JSON.stringify(heads), this.key.keyId, signature],
      );
      await client.query('COMMIT');
      return toCheckpoint(rows[0]);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async list(limit = 100): Promise<Checkpoint[]> {
    const { rows } = await this.pool.query(`SELECT * FROM checkpoints ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toCheckpoint);
  }
}
