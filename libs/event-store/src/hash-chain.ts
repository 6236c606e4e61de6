import { createHash } from 'node:crypto';
import { canonicalJson } from '@govflow/domain';

export const GENESIS_HASH = Buffer.alloc(32);
export const GENESIS_HASH_HEX = GENESIS_HASH.toString('hex');

/** What the hash covers: everything a decision records, rationale and actor included. */
export interface HashedEvent {
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
}

/** `sha256(prev_hash || canonical_json(event))`, lowercase hex. */
export function chainHash(prevHashHex: string, event: HashedEvent): string {
  return createHash('sha256')
    .update(Buffer.from(prevHashHex, 'hex'))
    .update(
      canonicalJson({
        streamId: event.streamId,
        version: event.version,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        recordedAt: event.recordedAt,
      }),
      'utf8',
    )
    .digest('hex');
}
