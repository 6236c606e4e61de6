import { Actor, Mesa, PlanState, WorkflowDefinition, allowedActions, canEdit } from '@govflow/domain';
import { CommandContext } from '@govflow/event-store';
import { PlanView, toPlanView } from './plan.view';

/** What every command carries from the HTTP edge. */
export interface CommandMeta {
  actor: Actor;
  now: Date;
  correlationId: string;
  /** Idempotency-Key, when the client sent one. */
  idempotencyKey?: string;
  /** Method, path and body, hashed: a key reused for another request is refused. */
  fingerprint: string;
}

export function commandContext(meta: CommandMeta, commandId: string): CommandContext {
  return { actor: meta.actor, now: meta.now.toISOString(), commandId, correlationId: meta.correlationId };
}

/** A plan as the caller sees it: with the actions they may take now. */
export function viewFor(definition: WorkflowDefinition, state: PlanState, actor: Actor, mesa: Mesa, now: Date): PlanView {
  const ctx = { actor, mesa, now: now.toISOString() };
  return toPlanView(state, { allowedActions: allowedActions(definition, state, ctx), canEdit: canEdit(definition, state, ctx) });
}

/** DTO instance -> plain JSON value (drops undefined members and class prototypes). */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value));
