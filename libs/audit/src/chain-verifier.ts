import { GENESIS_HASH_HEX, StoredEvent, chainHash } from '@govflow/event-store';

export type FailureReason =
  | 'altered content'
  | 'broken link'
  | 'missing version'
  | 'reordered events'
  | 'stream head mismatch'
  | 'deleted after checkpoint'
  | 'changed after checkpoint'
  | 'checkpoint not authentic';

export interface VerificationFailure {
  streamId: string;
  version: number;
  reason: FailureReason;
  detail: string;
}

/**
 * Checks one stream's hash chain, events in version order: versions 1..n without gaps, each
 * event's hash recomputed from its content, each prev_hash the previous hash (genesis: 32 zero
 * bytes), global positions rising with versions, and the stream's recorded head (version and
 * hash) equal to its last event, so a deleted tail is caught too.
 */
export function verifyStream(
  streamId: string,
  events: StoredEvent[],
  head: { version: number; hash: string } | undefined,
): VerificationFailure[] {
  const failures: VerificationFailure[] = [];
  const fail = (version: number, reason: FailureReason, detail: string) => failures.push({ streamId, version, reason, detail });
  let expectedVersion = 1;
  let expectedPrev = GENESIS_HASH_HEX;
  let lastPosition = -1n;
  for (const event of events) {
    if (event.version !== expectedVersion) {
      for (let v = expectedVersion; v < event.version; v++) fail(v, 'missing version', `version ${v} is missing`);
    }
    if (event.prevHash !== expectedPrev) {
      fail(event.version, 'broken link', `prev_hash ${event.prevHash.slice(0, 12)}… is not the previous event's hash ${expectedPrev.slice(0, 12)}…`);
    }
    if (chainHash(event.prevHash, event) !== event.hash) {
      fail(event.version, 'altered content', 'the stored hash does not match the event content');
    }
    const position = BigInt(event.position);
    if (position <= lastPosition) fail(event.version, 'reordered events', `position ${position} comes after ${lastPosition} in the global order`);
    lastPosition = position;
    expectedVersion = event.version + 1;
    expectedPrev = event.hash;
  }
  const last = events[events.length - 1];
  if (!head) {
    fail(last?.version ?? 0, 'stream head mismatch', 'the stream has events but no recorded head');
  } else if (!last || head.version !== last.version || head.hash !== last.hash) {
    const lastVersion = last?.version ?? 0;
    for (let v = lastVersion + 1; v <= head.version; v++) fail(v, 'missing version', `version ${v} is missing (the stream head says ${head.version})`);
    if (head.version === lastVersion && head.hash !== last?.hash) fail(head.version, 'stream head mismatch', 'the recorded head hash is not the last event\'s hash');
  }
  return failures;
}
