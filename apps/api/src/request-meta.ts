import type { Request, Response } from 'express';
import { Actor } from '@govflow/domain';
import { parseIdempotencyKey } from '@govflow/http';
import { CommandAnswer, CommandMeta, fingerprintOf } from '@govflow/plans';
import { CommandContext } from '@govflow/event-store';
import { randomUUID } from 'node:crypto';

/** What a command takes from its HTTP request. */
export function commandMeta(request: Request, actor: Actor, body: unknown): CommandMeta {
  const header = request.headers['idempotency-key'];
  return {
    actor,
    now: new Date(),
    correlationId: String((request as any).id),
    idempotencyKey: parseIdempotencyKey(Array.isArray(header) ? header[0] : header),
    fingerprint: fingerprintOf(request.method, request.path, body),
  };
}

export function directoryContext(request: Request, actor: Actor): CommandContext {
  return { actor, now: new Date().toISOString(), commandId: randomUUID(), correlationId: String((request as any).id) };
}

/** Sends a command's answer: its status, its version as the ETag, its body. */
export function answer<T>(response: Response, result: CommandAnswer<T>): T {
  response.status(result.status);
  if (result.etag) response.setHeader('ETag', result.etag);
  return result.body;
}
