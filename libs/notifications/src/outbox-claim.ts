import { Pool } from 'pg';

/**
 * Two index ranges (outbox_to_enqueue, outbox_leased), then the rows by primary key: the claim
 * costs the same whether the outbox holds a thousand rows or millions. $1 limit, $2 lease (ms).
 */
export const CLAIM_DUE_OUTBOX = `WITH fresh AS (
     SELECT id FROM outbox
      WHERE status = 'pending' AND enqueued_at IS NULL AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT $1
      FOR UPDATE SKIP LOCKED),
   expired AS (
     SELECT id FROM outbox
      WHERE status = 'pending' AND enqueued_at < now() - ($2::int * interval '1 millisecond')
      ORDER BY enqueued_at
      LIMIT greatest($1 - (SELECT count(*) FROM fresh), 0)
      FOR UPDATE SKIP LOCKED)
   UPDATE outbox SET enqueued_at = now()
    WHERE id = ANY(ARRAY(SELECT id FROM fresh UNION ALL SELECT id FROM expired))
    RETURNING id`;

/**
 * The pending outbox rows as a subquery read through their two partial indexes
 * (outbox_to_enqueue, outbox_leased): no index serves "status = 'pending'" alone, so that the
 * worker's updates by id are never planned as a walk over the backlog (migration
 * OutboxStatusIndex). Costs what the backlog holds, however large the delivered history.
 */
export const pendingOutbox = (columns: string): string =>
  `(SELECT ${columns} FROM outbox WHERE status = 'pending' AND enqueued_at IS NULL
    UNION ALL SELECT ${columns} FROM outbox WHERE status = 'pending' AND enqueued_at IS NOT NULL)`;

/**
 * Claims due outbox rows for delivery, without waiting on rows another process holds
 * (FOR UPDATE SKIP LOCKED). A claim is a lease: a row claimed longer ago than `leaseMs` and
 * still pending (its process died, or Redis lost its job) is claimed again.
 */
export async function claimDueOutbox(pool: Pool, limit: number, leaseMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>({ name: 'govflow_claim_outbox', text: CLAIM_DUE_OUTBOX, values: [limit, leaseMs] });
  return rows.map((r) => r.id);
}

/** Gives claims back (the queue could not take them), so the next pass claims them again. */
export async function releaseClaims(pool: Pool, ids: string[]): Promise<void> {
  if (ids.length > 0) await pool.query(`UPDATE outbox SET enqueued_at = NULL WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
}
