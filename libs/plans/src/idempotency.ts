import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { ValidationFailed, sha256OfCanonical } from '@govflow/domain';
import { PG_POOL, SqlWriter, preparedWrite } from '@govflow/event-store';

const RECORD_COMMAND = preparedWrite(
  'govflow_record_command',
  `INSERT INTO commands (actor_id, command_id, fingerprint, status, response, etag) VALUES ($1, $2, $3, $4, $5, $6)`,
);

export interface CommandAnswer<T = unknown> {
  status: number;
  body: T;
  etag?: string;
}


export const fingerprintOf = (method: string, path: string, body: unknown): string => sha256OfCanonical({ method, path, body: body ?? null });

/**
 * A command id (Idempotency-Key) is recorded with its first answer, in the command's own
 * transaction; a retry gets that answer back and appends nothing.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(actorId: string, commandId: string, fingerprint: string): Promise<CommandAnswer | null> {
    const { rows } = await this.pool.query(`SELECT fingerprint, status, response, etag FROM commands WHERE actor_id = $1 AND command_id = $2`, [
      actorId,
      commandId,
    ]);
    if (!rows[0]) return null;
    if (rows[0].fingerprint !== fingerprint) {
      throw ValidationFailed.field(
        'Idempotency-Key',
        'Esta Idempotency-Key ya se usó para otra solicitud: use una clave nueva para cada operación.',
        'This Idempotency-Key was already used for a different request: use a new key for each operation.',
      );
    }
    return { status: rows[0].status, body: rows[0].response, ...(rows[0].etag ? { etag: rows[0].etag } : {}) };
  }

  /** Recorded with the command's other writes (sent with its COMMIT). */
  record(db: SqlWriter, actorId: string, commandId: string, fingerprint: string, answer: CommandAnswer): void {
    db.write(RECORD_COMMAND, [
      actorId,
      commandId,
      fingerprint,
      answer.status,
      JSON.stringify(answer.body),
      answer.etag ?? null,
    ]);
  }

  /**
   * Runs a command once per key: a stored answer is returned as it was; if the command
   * fails because a concurrent twin with the same key won, the twin's answer is returned.
   */
  async once<T>(
    key: { actorId: string; commandId?: string; fingerprint: string },
    run: (record: (db: SqlWriter, answer: CommandAnswer<T>) => void) => Promise<CommandAnswer<T>>,
  ): Promise<CommandAnswer<T>> {
    const { actorId, commandId, fingerprint } = key;
    if (!commandId) return run(() => undefined);
    const earlier = await this.find(actorId, commandId, fingerprint);
    if (earlier) return earlier as CommandAnswer<T>;
    try {
      return await run((db, answer) => this.record(db, actorId, commandId, fingerprint, answer));
    } catch (error) {
      const twin = await this.find(actorId, commandId, fingerprint);
      if (twin) return twin as CommandAnswer<T>;
      throw error;
    }
  }
}
