import { Actor, EventMetadata, NewEvent } from '@govflow/domain';
import { EventToAppend } from './event-store.types';

/** Who, when, why and in answer to which command: added to every event a command records. */
export interface CommandContext {
  actor: Actor;
  now: string;
  commandId: string;
  correlationId: string;
  causationId?: string;
}

export function envelope(events: NewEvent[], ctx: CommandContext, workflow?: string): EventToAppend[] {
  return events.map((event) => {
    const metadata: EventMetadata = {
      actorId: ctx.actor.id,
      actorName: ctx.actor.name,
      entity: ctx.actor.entity,
      commandId: ctx.commandId,
      correlationId: ctx.correlationId,
      ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
      ...(event.rationale !== undefined ? { rationale: event.rationale } : {}),
      ...(event.revision !== undefined ? { revision: event.revision } : {}),
      ...(workflow ? { workflow } : {}),
    };
    return { type: event.type, data: event.data, metadata, recordedAt: ctx.now };
  });
}

export const streamTypeOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'));
