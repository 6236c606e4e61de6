import { createHash } from 'node:crypto';
import { merkleRoot } from './merkle';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest();
const leaf = (streamId: string, version: number, hash: string) => sha(JSON.stringify({ hash, streamId, version }));

describe('merkleRoot over stream heads', () => {
  const a = { streamId: 'plan-a', version: 2, hash: 'aa'.repeat(32) };
  const b = { streamId: 'plan-b', version: 1, hash: 'bb'.repeat(32) };
  const c = { streamId: 'task-c', version: 5, hash: 'cc'.repeat(32) };

  it('hashes sorted leaves pairwise, an odd last node moving up as it is', () => {
    const ab = sha(Buffer.concat([leaf(a.streamId, 2, a.hash), leaf(b.streamId, 1, b.hash)]));
    expect(merkleRoot([c, b, a])).toBe(sha(Buffer.concat([ab, leaf(c.streamId, 5, c.hash)])).toString('hex'));
  });

  it('changes when any head changes, and is the hash of nothing for no heads', () => {
    expect(merkleRoot([a, b])).not.toBe(merkleRoot([a, { ...b, version: 2 }]));
    expect(merkleRoot([a, b])).not.toBe(merkleRoot([a]));
    expect(merkleRoot([])).toBe(sha('').toString('hex'));
    expect(merkleRoot([a])).toBe(leaf(a.streamId, 2, a.hash).toString('hex'));
  });
});
