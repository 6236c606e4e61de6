import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { PG_POOL } from '@govflow/event-store';
import { DeliveryService } from './delivery.service';
import { claimDueOutbox } from './outbox-claim';
import { OutboxSignal } from './notification.writer';

const LEASE_MS = 60_000;
const IDLE_POLL_MS = 250;

/**
 * Without REDIS_URL: delivers from the outbox inside the API process, with the same channel
 * code and retry schedule as the BullMQ worker. Several API processes share the work through
 * SKIP LOCKED claims.
 */
@Injectable()
export class InProcessDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InProcessDispatcher.name);
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly onWritten = () => this.wake?.();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
    private readonly delivery: DeliveryService,
    private readonly signal: OutboxSignal,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.signal.on('written', this.onWritten);
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.signal.off('written', this.onWritten);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const batch = this.config.notifications.concurrency;
    while (this.running) {
      let claimed: string[] = [];
      try {
        claimed = await claimDueOutbox(this.pool, batch, LEASE_MS);
        await Promise.all(claimed.map((id) => this.delivery.attempt(id).catch((error) => this.logger.warn({ err: error, outboxId: id }, 'delivery attempt failed'))));
      } catch (error) {
        if (this.running) this.logger.warn({ err: error }, 'outbox dispatcher pass failed');
      }
      if (claimed.length < batch && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_POLL_MS);
          this.wake = () => (clearTimeout(timer), resolve());
        });
        this.wake = undefined;
      }
    }
  }
}
