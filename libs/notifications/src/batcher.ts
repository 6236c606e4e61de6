/**
 * Coalesces calls made within a millisecond into one call over all their keys: a worker with
 * 64 deliveries in flight reads and records them in a few queries instead of one each.
 */
export class Batcher<K, V> {
  private waiting: { key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 256,
    private readonly windowMs = 1,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.run([...new Set(batch.map((w) => w.key))]).then(
      (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
      (error) => batch.forEach((w) => w.reject(error)),
    );
  }
}
