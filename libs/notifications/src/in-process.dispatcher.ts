import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { PG_POOL } from '@govflow/event-store';
import { DeliveryService } from './delivery.service';
import { claimDueOutbox } from './outbox-claim';
import { OutboxLoop } from './outbox-loop';
import { OutboxSignal } from './notification.writer';

const LEASE_MS = 60_000;
const IDLE_POLL_MS = 250;

/**
 * Without REDIS_URL: delivers from the outbox inside the API process, with the same channel
 * code and retry schedule as the BullMQ worker. Several API processes share the work through
 * SKIP LOCKED claims.
 */
@Injectable()
export class InProcessDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InProcessDispatcher.name);
  private readonly loop: OutboxLoop;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(GOVFLOW_CONFIG) config: GovflowConfig,
    delivery: DeliveryService,
    signal: OutboxSignal,
  ) {
    const batch = config.notifications.concurrency;
    this.loop = new OutboxLoop(signal, async (isRunning) => {
      let claimed: string[] = [];
      try {
        claimed = await claimDueOutbox(pool, batch, LEASE_MS);
        await Promise.all(claimed.map((id) => delivery.attempt(id).catch((error) => this.logger.warn({ err: error, outboxId: id }, 'delivery attempt failed'))));
      } catch (error) {
        if (isRunning()) this.logger.warn({ err: error }, 'outbox dispatcher pass failed');
      }
      return { full: claimed.length >= batch, idleMs: IDLE_POLL_MS };
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** Finishes the pass in hand before the delivery clients close (they close at application shutdown). */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }
}
