import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { NotFound } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';

export interface InboxItem {
  id: string;
  type: string;
  entity: string;
  mesa: string | null;
  planId: string | null;
  taskId: string | null;
  subject: string;
  message: string;
  createdAt: string;
  readAt: string | null;
}

const toItem = (r: any, language: 'es' | 'en'): InboxItem => ({
  id: r.id,
  type: r.type,
  entity: r.entity,
  mesa: r.mesa,
  planId: r.plan_id,
  taskId: r.task_id,
  subject: language === 'en' ? r.subject_en : r.subject_es,
  message: language === 'en' ? r.message_en : r.message_es,
  createdAt: r.created_at.toISOString(),
  readAt: r.read_at ? r.read_at.toISOString() : null,
});

/** An institution's inbox: every notification it was sent, newest first. */
@Injectable()
export class InboxService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(entity: string, options: { unread?: boolean; limit?: number; language: 'es' | 'en' }): Promise<{ items: InboxItem[]; unread: number }> {
    const { rows } = await this.pool.query(
      `SELECT * FROM notifications WHERE entity = $1 AND ($2::boolean IS NULL OR (read_at IS NULL) = $2)
        ORDER BY created_at DESC, id LIMIT $3`,
      [entity, options.unread ?? null, options.limit ?? 100],
    );
    const unread = await this.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE entity = $1 AND read_at IS NULL`, [entity]);
    return { items: rows.map((r) => toItem(r, options.language)), unread: unread.rows[0].n };
  }

  /** Marks one of the institution's notifications read; another institution's is not found. */
  async markRead(entity: string, id: string, language: 'es' | 'en'): Promise<InboxItem> {
    const { rows } = await this.pool.query(
      `UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND entity = $2 RETURNING *`,
      [id, entity],
    );
    if (!rows[0]) throw new NotFound({ es: `Su bandeja no tiene la notificación ${id}.`, en: `Your inbox has no notification ${id}.` });
    return toItem(rows[0], language);
  }
}
