import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { InvalidTransition, NotFound } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';
import { OutboxSignal } from './notification.writer';
import { pendingOutbox } from './outbox-claim';

export interface DeliveryView {
  id: string;
  notificationId: string;
  entity: string;
  type: string;
  channel: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  deliveredBy: string | null;
}

const toView = (r: any): DeliveryView => ({
  id: r.id,
  notificationId: r.notification_id,
  entity: r.entity,
  type: r.type,
  channel: r.channel,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
  createdAt: r.created_at.toISOString(),
  deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
  deliveredBy: r.delivered_by ?? null,
});

/**
 * Newest first, $1 rows at most, by an index whatever the size of the delivered history: every
 * status and "delivered" through outbox_recent, dead ones through outbox_dead, pending ones
 * through their two partial indexes (outbox_to_enqueue, outbox_leased), sorting only the backlog.
 */
const DELIVERY_ROWS: Record<DeliveryView['status'] | 'all', string> = {
  all: 'outbox',
  delivered: `(SELECT * FROM outbox WHERE status = 'delivered')`,
  dead: `(SELECT * FROM outbox WHERE status = 'dead')`,
  pending: pendingOutbox('*'),
};

export const listDeliveriesSql = (status: DeliveryView['status'] | undefined): string =>
  `SELECT o.*, n.entity, n.type FROM ${DELIVERY_ROWS[status ?? 'all']} o JOIN notifications n ON n.id = o.notification_id
    ORDER BY o.created_at DESC, o.id DESC LIMIT $1`;

/** Admins see every delivery (webhook, e-mail) and redrive the dead ones. */
@Injectable()
export class NotificationsAdmin {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly signal: OutboxSignal,
  ) {}

  async list(status: DeliveryView['status'] | undefined, limit = 100): Promise<DeliveryView[]> {
    const { rows } = await this.pool.query(listDeliveriesSql(status), [limit]);
    return rows.map(toView);
  }

  /** A dead delivery goes back to pending with its attempts reset; it is delivered like a new one. */
  async redrive(id: string): Promise<DeliveryView> {
    const { rows } = await this.pool.query(
      `WITH redriven AS (
         UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), enqueued_at = NULL, last_error = NULL
          WHERE id = $1 AND status = 'dead' RETURNING *)
       SELECT r.*, n.entity, n.type FROM redriven r JOIN notifications n ON n.id = r.notification_id`,
      [id],
    );
    if (!rows[0]) {
      const exists = await this.pool.query(`SELECT status FROM outbox WHERE id = $1`, [id]);
      if (!exists.rows[0]) throw new NotFound({ es: `No existe la entrega ${id}.`, en: `There is no delivery ${id}.` });
      throw new InvalidTransition({
        es: `Solo se reenvía una entrega muerta; esta está «${exists.rows[0].status}».`,
        en: `Only a dead delivery can be redriven; this one is "${exists.rows[0].status}".`,
      });
    }
    this.signal.written();
    return toView(rows[0]);
  }
}
