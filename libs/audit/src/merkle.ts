import { createHash } from 'node:crypto';
import { canonicalJson } from '@govflow/domain';

export interface StreamHead {
  streamId: string;
  version: number;
  hash: string;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/**
 * Merkle root over stream heads: leaves are sha256(canonical_json({streamId, version, hash}))
 * in streamId order; each level hashes pairs (left || right), an odd last node moving up as it
 * is. The root of no heads is sha256 of the empty string. Lowercase hex.
 */
export function merkleRoot(heads: StreamHead[]): string {
  let level: Buffer[] = [...heads]
    .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0))
    .map((h) => sha256(canonicalJson({ streamId: h.streamId, version: h.version, hash: h.hash })));
  if (level.length === 0) return sha256('').toString('hex');
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(Buffer.concat([level[i], level[i + 1]])) : level[i]);
    level = next;
  }
  return level[0].toString('hex');
}
