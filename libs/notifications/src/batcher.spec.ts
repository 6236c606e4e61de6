import { Batcher } from './batcher';

/** A run whose batches the test ends by hand, recording the keys of each. */
function manualRun() {
  const calls: { keys: string[]; end: (error?: Error) => void }[] = [];
  const run = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      calls.push({ keys, end: (error) => (error ? reject(error) : resolve(new Map(keys.map((k) => [k, `value of ${k}`])))) });
    });
  return { calls, run };
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Batcher', () => {
  it('sends the keys asked for within its window in one call, each caller getting its own value', async () => {
    const { calls, run } = manualRun();
    // a window wide enough that a busy machine still checks inside it (5 ms failed under load)
    const batcher = new Batcher(run, { windowMs: 200 });
    const asked = [batcher.load('a'), batcher.load('b'), batcher.load('a')];
    await tick();
    expect(calls).toHaveLength(0); // the window is still open
    await sleep(300);
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    calls[0].end();
    await expect(Promise.all(asked)).resolves.toEqual(['value of a', 'value of b', 'value of a']);
  });

  it('sends a full batch at once and splits what is larger', async () => {
    const { calls, run } = manualRun();
    const batcher = new Batcher(run, { windowMs: 1000, maxBatch: 2 });
    void batcher.load('a');
    void batcher.load('b');
    void batcher.load('c');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
  });

  it('gathers keys while maxInFlight batches run, and sends them all as soon as one ends', async () => {
    const { calls, run } = manualRun();
    const batcher = new Batcher(run, { windowMs: 1, maxInFlight: 1 });
    const first = batcher.load('a');
    await sleep(5);
    expect(calls.map((c) => c.keys)).toEqual([['a']]);

    // The first batch is still running: these wait past their window for it.
    const later = ['b', 'c', 'd'].map((k) => batcher.load(k));
    await sleep(10);
    expect(calls).toHaveLength(1);

    calls[0].end();
    await expect(first).resolves.toBe('value of a');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1].end();
    await expect(Promise.all(later)).resolves.toEqual(['value of b', 'value of c', 'value of d']);
  });

  it('keeps going after a batch fails: its callers get the error, later keys their values', async () => {
    const { calls, run } = manualRun();
    const batcher = new Batcher(run, { windowMs: 1, maxInFlight: 1 });
    const failing = batcher.load('a');
    await sleep(5);
    const next = batcher.load('b');
    calls[0].end(new Error('PostgreSQL refused'));
    await expect(failing).rejects.toThrow('PostgreSQL refused');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
    calls[1].end();
    await expect(next).resolves.toBe('value of b');
  });
});

describe('Batcher with a batch that does not end (a query waiting on a lock)', () => {
  it('lets the next batch go once the stuck one has run for slowMs', async () => {
    const { calls, run } = manualRun();
    const batcher = new Batcher(run, { windowMs: 1, maxInFlight: 1, slowMs: 30 });
    void batcher.load('stuck');
    await sleep(5);
    const next = batcher.load('b');
    await sleep(10);
    expect(calls.map((c) => c.keys)).toEqual([['stuck']]); // still inside slowMs: b waits
    await sleep(40);
    expect(calls.map((c) => c.keys)).toEqual([['stuck'], ['b']]);
    calls[1].end();
    await expect(next).resolves.toBe('value of b');
    calls[0].end();
  });
});
