import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { DeliveryService } from './delivery.service';
import { NOTIFICATION_JOB_NAMES, NOTIFICATION_QUEUE, NotificationJobName, NotificationJobs, closeWithin, redisConnection } from './queue';

type Handlers = { [K in NotificationJobName]: (data: NotificationJobs[K]) => Promise<unknown> };

/** Consumes the notification queue: one handler per job name, checked at start. */
@Injectable()
export class NotificationWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationWorker.name);
  private worker?: Worker;
  private readonly handlers: Handlers;

  constructor(
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
    private readonly delivery: DeliveryService,
  ) {
    this.handlers = { deliver: ({ outboxId }) => this.delivery.attempt(outboxId, { recordInBackground: true }) };
    const missing = NOTIFICATION_JOB_NAMES.filter((name) => typeof this.handlers[name] !== 'function');
    if (missing.length > 0 || Object.keys(this.handlers).length !== NOTIFICATION_JOB_NAMES.length) {
      throw new Error(`notification jobs without exactly one handler: ${missing.join(', ')}`);
    }
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(
      NOTIFICATION_QUEUE,
      async (job: Job) => {
        const handler = this.handlers[job.name as NotificationJobName];
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        return handler(job.data);
      },
      {
        connection: redisConnection(this.config.redisUrl!),
        prefix: this.config.notifications.queuePrefix,
        concurrency: this.config.notifications.concurrency,
        lockDuration: this.config.notifications.stalledMs,
        stalledInterval: this.config.notifications.stalledMs,
      },
    );
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'notification worker error'));
    this.worker.on('failed', (job, error) => this.logger.warn({ err: error, jobId: job?.id }, 'notification job failed'));
  }

  /**
   * On the first shutdown hook, before the webhook and SMTP clients and the pool close (at
   * application shutdown): the jobs in hand are finished and recorded, not cut off mid-request.
   */
  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      // With Redis away the jobs in hand can be neither finished nor given back: after the lease
      // time they are another worker's anyway, so the process stops instead of waiting on Redis.
      await closeWithin(worker.close(), this.config.notifications.stalledMs, async () => {
        this.logger.warn('Redis did not answer while stopping: the jobs in hand go to another worker after their lease');
        await closeWithin(worker.close(true), 1_000, () => worker.disconnect());
      });
    }
    await this.delivery.settled();
  }
}
