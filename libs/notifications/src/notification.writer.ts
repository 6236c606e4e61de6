import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Mesa, NotificationDraft, NotificationFacts, PlanState, TaskState, notificationsFor } from '@govflow/domain';
import { SqlWriter, StoredEvent, preparedWrite } from '@govflow/event-store';

/** Facts about a plan event, for its messages. */
export function planFacts(event: StoredEvent, plan: PlanState, mesa: Mesa): NotificationFacts {
  return {
    mesa,
    actorEntity: event.metadata.entity,
    rationale: event.metadata.rationale,
    planId: plan.id,
    planTitle: plan.content.title,
    drafter: plan.drafter,
    revision: event.metadata.revision ?? plan.revision,
    presentation: plan.presentation,
  };
}

export function taskFacts(event: StoredEvent, task: TaskState, plan: PlanState, mesa: Mesa): NotificationFacts {
  return {
    ...planFacts(event, plan, mesa),
    task: { id: task.id, title: task.title, dueDate: task.dueDate, entity: task.entity },
    blockReason: task.blockReason,
  };
}

/** Raised after a commit that wrote outbox rows, so an in-process dispatcher need not wait for its next poll. */
@Injectable()
export class OutboxSignal extends EventEmitter {
  written(): void {
    this.emit('written');
  }
}

/** The inbox rows and their outbox rows, in one statement (see recordNotifications). */
const RECORD_NOTIFICATIONS = preparedWrite(
  'govflow_record_notifications',
  `WITH inbox AS (
     INSERT INTO notifications (id, entity, type, event_position, mesa, plan_id, task_id, message_es, message_en, subject_es, subject_en, created_at)
     SELECT u.id, u.entity, u.type, e.position, u.mesa, u.plan_id, u.task_id, u.message_es, u.message_en, u.subject_es, u.subject_en, u.created_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
              AS u(id, entity, type, stream_id, stream_version, mesa, plan_id, task_id, message_es, message_en, subject_es, subject_en, created_at)
       LEFT JOIN events e ON e.stream_id = u.stream_id AND e.stream_version = u.stream_version
     RETURNING id, entity, event_position)
   INSERT INTO outbox (id, event_position, kind, payload, notification_id, channel)
   SELECT gen_random_uuid(), n.event_position, ch.channel, jsonb_build_object('entity', n.entity), n.id, ch.channel
     FROM inbox n
     JOIN entity_channels c ON c.code = n.entity
     CROSS JOIN LATERAL (VALUES ('webhook', c.webhook_url IS NOT NULL), ('email', c.email IS NOT NULL)) AS ch(channel, enabled)
    WHERE ch.enabled`,
);

/**
 * Writes the inbox rows and the outbox rows (one per external channel the institution has)
 * inside the transaction that records the events (sent with its next statement or COMMIT):
 * nothing is sent that was not committed, and nothing committed is lost.
 */
export function recordNotifications(tx: SqlWriter, items: { event: StoredEvent; facts: NotificationFacts }[]): { notifications: number } {
  const rows = items.flatMap(({ event, facts }) =>
    notificationsFor(event.type, facts).map((draft: NotificationDraft) => ({ id: randomUUID(), draft, event, mesa: facts.mesa.code })),
  );
  if (rows.length === 0) return { notifications: 0 };
  const column = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
  // One statement, one round trip: the inbox rows, then an outbox row per external channel
  // the institution has (webhook, e-mail), from the rows just inserted. Each row names its event
  // by stream and version, and takes the position from the events table: the event may be a
  // staged append in the same message, whose position the caller does not know yet (a missing
  // event leaves the position NULL, which the table refuses, failing the transaction).
  tx.write(
    RECORD_NOTIFICATIONS,
    [
      column((r) => r.id),
      column((r) => r.draft.entity),
      column((r) => r.draft.type),
      column((r) => r.event.streamId),
      column((r) => r.event.version),
      column((r) => r.mesa),
      column((r) => r.draft.planId ?? null),
      column((r) => r.draft.taskId ?? null),
      column((r) => r.draft.message.es),
      column((r) => r.draft.message.en),
      column((r) => r.draft.subject.es),
      column((r) => r.draft.subject.en),
      column((r) => r.event.recordedAt),
    ],
  );
  return { notifications: rows.length };
}
