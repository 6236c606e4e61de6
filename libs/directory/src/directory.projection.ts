import { Actor, DIRECTORY_EVENTS, Entity, Mesa } from '@govflow/domain';
import { StoredEvent } from '@govflow/event-store';

type Queryable = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

/** Applies one directory event to its read model; used inline and when rebuilding. */
export async function projectDirectoryEvent(db: Queryable, event: Pick<StoredEvent, 'type' | 'data' | 'recordedAt'>): Promise<void> {
  switch (event.type) {
    case DIRECTORY_EVENTS.entityRegistered: {
      const e = event.data as Entity;
      await db.query(`INSERT INTO entities (code, name, kind, created_at) VALUES ($1, $2, $3, $4)`, [e.code, e.name, e.kind ?? null, event.recordedAt]);
      return;
    }
    case DIRECTORY_EVENTS.mesaCreated: {
      const m = event.data as Mesa;
      await db.query(
        `INSERT INTO mesas (code, name, coordinator, technical_reviewer, members, invited, workflow, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [m.code, m.name, m.coordinator, m.technicalReviewer, m.members, m.invited, m.workflow, event.recordedAt],
      );
      return;
    }
    case DIRECTORY_EVENTS.actorRegistered: {
      const a = event.data as Actor;
      await db.query(`INSERT INTO actors (id, name, entity, roles, created_at) VALUES ($1, $2, $3, $4, $5)`, [
        a.id,
        a.name,
        a.entity,
        a.roles,
        event.recordedAt,
      ]);
      return;
    }
    case DIRECTORY_EVENTS.actorRevoked: {
      const { id } = event.data as { id: string };
      await db.query(`UPDATE actors SET revoked_at = $2 WHERE id = $1`, [id, event.recordedAt]);
      await db.query(`DELETE FROM actor_credentials WHERE actor_id = $1`, [id]);
      return;
    }
    default:
      throw new Error(`not a directory event: ${event.type}`);
  }
}
