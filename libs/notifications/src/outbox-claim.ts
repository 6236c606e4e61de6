import { Pool } from 'pg';

/**
 * Claims due outbox rows for delivery, without waiting on rows another process holds
 * (FOR UPDATE SKIP LOCKED). A claim is a lease: a row claimed longer ago than `leaseMs` and
 * still pending (its process died, or Redis lost its job) is claimed again.
 */
export async function claimDueOutbox(pool: Pool, limit: number, leaseMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE outbox SET enqueued_at = now()
      WHERE id IN (
        SELECT id FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= now()
           AND (enqueued_at IS NULL OR enqueued_at < now() - ($2::int * interval '1 millisecond'))
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [limit, leaseMs],
  );
  return rows.map((r) => r.id);
}

/** Gives claims back (the queue could not take them), so the next pass claims them again. */
export async function releaseClaims(pool: Pool, ids: string[]): Promise<void> {
  if (ids.length > 0) await pool.query(`UPDATE outbox SET enqueued_at = NULL WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
}
