/**
 * Coalesces calls into one call over all their keys: a worker with 128 deliveries in flight
 * reads and records them in a few queries instead of one each.
 *
 * A batch leaves `windowMs` after its first key, or at once when it reaches `maxBatch`. With
 * `maxInFlight`, while that many batches are running, keys keep gathering and leave as soon as
 * one of them ends: under load a batch holds what arrived during the last query, so the queries
 * per key fall as the load rises, and when idle a key still waits at most `windowMs`. A batch
 * running longer than `slowMs` (a query waiting on a lock) stops counting against
 * `maxInFlight`, so that one stuck query never holds up every other key.
 */
export interface BatcherOptions {
  maxBatch?: number;
  windowMs?: number;
  maxInFlight?: number;
  slowMs?: number;
}

export class Batcher<K, V> {
  private waiting: { key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  /** Batches running for less than slowMs. */
  private inFlight = 0;
  private readonly options: Required<BatcherOptions>;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, V>>,
    options: BatcherOptions = {},
  ) {
    this.options = { maxBatch: 256, windowMs: 1, maxInFlight: Infinity, slowMs: 50, ...options };
  }

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.waiting.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      let counted = true;
      const release = () => {
        if (!counted) return;
        counted = false;
        this.inFlight--;
        this.flush();
      };
      this.inFlight++;
      const slow = setTimeout(release, this.options.slowMs);
      this.run([...new Set(batch.map((w) => w.key))])
        .then(
          (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
          (error) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          clearTimeout(slow);
          release();
        });
    }
  }
}
