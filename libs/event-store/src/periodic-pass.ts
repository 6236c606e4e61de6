/**
 * A background pass over the database, run every `everyMs` (the task timers, the scheduled
 * checkpoints). Two passes never overlap: one still running when the next is due makes that
 * one wait for the following tick. `stop()` waits for the pass in hand, so that it commits or
 * rolls back before the pool closes at shutdown; a long pass sees `isStopping()` turn true and
 * ends early, between transactions.
 */
export class PeriodicPass {
  private timer?: NodeJS.Timeout;
  private inHand?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly everyMs: number,
    private readonly pass: (isStopping: () => boolean) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.inHand;
  }

  private tick(): void {
    if (this.inHand || this.stopping) return;
    this.inHand = this.pass(() => this.stopping)
      .then(() => undefined, this.onError)
      .finally(() => (this.inHand = undefined));
  }
}
