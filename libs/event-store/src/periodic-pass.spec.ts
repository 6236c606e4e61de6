import { PeriodicPass } from './periodic-pass';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pass the test ends by hand: how many started, and a way to finish the one in hand. */
function heldPasses() {
  const state = { started: 0, finished: 0, sawStopping: false, release: () => undefined as void };
  const pass = (isStopping: () => boolean) =>
    new Promise<void>((resolve) => {
      state.started++;
      state.release = () => {
        state.sawStopping = isStopping();
        state.finished++;
        resolve();
      };
    });
  return { state, pass };
}

describe('PeriodicPass', () => {
  it('never runs two passes at once: ticks due while one is in hand are skipped', async () => {
    const { state, pass } = heldPasses();
    const periodic = new PeriodicPass(5, pass, () => undefined);
    periodic.start();
    await sleep(60); // about a dozen ticks, all while the first pass is held
    expect(state.started).toBe(1);
    state.release();
    await sleep(30);
    expect(state.started).toBe(2);
    state.release();
    await periodic.stop();
  });

  it('stop() waits for the pass in hand, which sees isStopping() turn true, and starts no other', async () => {
    const { state, pass } = heldPasses();
    const periodic = new PeriodicPass(5, pass, () => undefined);
    periodic.start();
    await sleep(20);
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await sleep(30);
    expect(stopped).toBe(false); // the held pass has not ended yet
    state.release();
    await stopping;
    expect(state).toMatchObject({ started: 1, finished: 1, sawStopping: true });
    await sleep(30);
    expect(state.started).toBe(1);
  });

  it('hands a failed pass to onError and keeps running', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const periodic = new PeriodicPass(
      5,
      async () => {
        if (++calls === 1) throw new Error('la base no respondió');
      },
      (error) => errors.push(error),
    );
    periodic.start();
    await sleep(60);
    await periodic.stop();
    expect(errors).toHaveLength(1);
    expect(calls).toBeGreaterThan(1);
  });
});
