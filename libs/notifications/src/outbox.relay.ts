import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { PG_POOL } from '@govflow/event-store';
import { claimDueOutbox, releaseClaims } from './outbox-claim';
import { OutboxSignal } from './notification.writer';
import { OutboxLoop } from './outbox-loop';
import { NOTIFICATION_QUEUE, NotificationJobs, closeWithin, redisConnection, within } from './queue';

const IDLE_POLL_MS = 200;
const ADD_TIMEOUT_MS = 3_000;

const BATCH = 500;

/**
 * With REDIS_URL: moves committed outbox rows to BullMQ after commit, with jobId = outbox id
 * so duplicates collapse. PostgreSQL stays the truth: while Redis is down, claims are given
 * back and commands keep succeeding; a row whose job vanished is re-enqueued after its lease.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  readonly queue: Queue<NotificationJobs['deliver']>;
  private readonly leaseMs: number;
  private readonly loop: OutboxLoop;
  private failing = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(GOVFLOW_CONFIG) config: GovflowConfig,
    signal: OutboxSignal,
  ) {
    this.leaseMs = config.notifications.stalledMs;
    this.queue = new Queue(NOTIFICATION_QUEUE, { connection: redisConnection(config.redisUrl!), prefix: config.notifications.queuePrefix });
    this.queue.on('error', () => undefined); // reconnects by itself; the relay logs its own failures
    this.loop = new OutboxLoop(signal, async (isRunning) => {
      let moved = 0;
      try {
        moved = await this.relayOnce();
        if (this.failing) this.logger.log('outbox relay recovered');
        this.failing = false;
      } catch (error) {
        if (!this.failing && isRunning()) this.logger.warn({ err: error }, 'outbox relay cannot reach Redis; notifications wait in the outbox');
        this.failing = true;
      }
      return { full: moved >= BATCH, idleMs: this.failing ? 1000 : IDLE_POLL_MS };
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** The pass in hand finishes (claim and enqueue) before the pool and the queue close. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** Closes the queue's connection; with Redis away it is dropped after 2 s rather than waited for. */
  async onApplicationShutdown(): Promise<void> {
    await closeWithin(this.queue.close(), 2_000, () => this.queue.disconnect());
  }

  /** Stops moving rows (they wait, committed, in the outbox) until resume(): for maintenance and the benchmarks. */
  pause(): Promise<void> {
    return this.loop.stop();
  }

  resume(): void {
    this.loop.start();
  }

  /** One pass: claim due rows and enqueue them. Returns how many were enqueued. */
  async relayOnce(): Promise<number> {
    // A job still pending a lease after it was enqueued is enqueued again (Redis restarted or
    // flushed); jobId = outbox id makes that a no-op while the job still exists.
    const ids = await claimDueOutbox(this.pool, BATCH, this.leaseMs);
    if (ids.length === 0) return 0;
    try {
      // While Redis is away the command waits in the client's queue: the pass gives up after
      // ADD_TIMEOUT_MS, gives its claims back and warns, instead of hanging (and holding up a
      // shutdown). If the command goes out later, jobId = outbox id makes the next enqueue a no-op.
      await within(
        this.queue.addBulk(ids.map((outboxId) => ({ name: 'deliver', data: { outboxId }, opts: { jobId: outboxId, removeOnComplete: true, removeOnFail: 1000 } }))),
        ADD_TIMEOUT_MS,
      );
    } catch (error) {
      await releaseClaims(this.pool, ids);
      throw error;
    }
    return ids.length;
  }
}
