import { Inject, Injectable } from '@nestjs/common';
import { sign } from 'node:crypto';
import { Pool } from 'pg';
import { InvalidTransition, canonicalJson } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';
import { AuditService } from './audit.service';
import { Checkpoint, CheckpointPayload, SIGNING_KEY, toCheckpoint } from './checkpoint';
import { StreamHead, merkleRoot } from './merkle';
import { SigningKey } from './signing-key';

/** An arbitrary constant, apart from the scheduler's: the advisory lock held while one checkpoint is signed. */
const SIGNING_LOCK = 7_470_124;

/**
 * Signs, with Ed25519, a Merkle root over every stream head plus the count of events and the
 * last position. Only a history that verifies is signed: every chain recomputed and the latest
 * checkpoint's heads still there, in the same snapshot as the heads it signs. Otherwise someone
 * who rewrote rows in the database, hashes and all, would only have to wait for the next
 * scheduled checkpoint to have the rewrite signed.
 */
@Injectable()
export class CheckpointService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    private readonly audit: AuditService,
  ) {}

  get publicKey() {
    return { algorithm: 'Ed25519', keyId: this.key.keyId, publicKey: this.key.publicKeyPem };
  }

  async create(): Promise<Checkpoint> {
    const client = await this.pool.connect();
    let locked = false;
    let broken = false;
    try {
      // One signer at a time, each reading after the last one committed, with the database's
      // clock: ids, times and totals rise together whichever process signs (an admin's request
      // and the hourly pass could overlap, and servers' clocks differ).
      await client.query('SELECT pg_advisory_lock($1)', [SIGNING_LOCK]);
      locked = true;
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const now: Date = (await client.query(`SELECT clock_timestamp() AS now`)).rows[0].now;
      const verified = await this.audit.verifyIn(client);
      if (!verified.ok) {
        const first = verified.failures[0];
        throw new InvalidTransition({
          es: `No se firma un punto de control: la historia no verifica (${verified.failures.length} fallas; la primera, ${first.streamId} v${first.version}: ${first.reason}). Revise GET /v1/audit/verify.`,
          en: `No checkpoint is signed: the history does not verify (${verified.failures.length} failures; the first, ${first.streamId} v${first.version}: ${first.reason}). See GET /v1/audit/verify.`,
        });
      }
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
      if (locked) await client.query('SELECT pg_advisory_unlock($1)', [SIGNING_LOCK]).catch(() => (broken = true));
      // A connection that could not give the lock back is closed, which gives it back.
      client.release(broken);
    }
  }

  async list(limit = 100): Promise<Checkpoint[]> {
    const { rows } = await this.pool.query(`SELECT * FROM checkpoints ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toCheckpoint);
  }
}
