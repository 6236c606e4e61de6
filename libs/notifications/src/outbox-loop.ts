import { OutboxSignal } from './notification.writer';

/**
 * The loop that moves committed outbox rows (the in-process dispatcher's and the relay's):
 * runs `pass` again at once after a full batch, otherwise sleeps `idleMs`, waking early when
 * a commit in this process wrote outbox rows.
 */
export class OutboxLoop {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly onWritten = () => this.wake?.();

  constructor(
    private readonly signal: OutboxSignal,
    private readonly pass: (isRunning: () => boolean) => Promise<{ full: boolean; idleMs: number }>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.signal.on('written', this.onWritten);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal.off('written', this.onWritten);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const { full, idleMs } = await this.pass(() => this.running);
      if (full || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        this.wake = () => (clearTimeout(timer), resolve());
      });
      this.wake = undefined;
    }
  }
}
