import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { Pool } from 'pg';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { PG_POOL } from '@govflow/event-store';
import { DeliveryError, EmailSender, WebhookClient, isAllowedWebhookUrl, sendWebhook } from './channels';
import { retryDelayMs } from './retry-policy';
import { Batcher } from './batcher';

/** An outbox row joined with its notification and the institution's channels, as delivery needs it. */
interface Parcel {
  id: string;
  channel: 'webhook' | 'email';
  status: string;
  attempts: number;
  notification_id: string;
  entity: string;
  type: string;
  mesa: string | null;
  plan_id: string | null;
  task_id: string | null;
  message_es: string;
  message_en: string;
  subject_es: string;
  created_at: Date;
  email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
}

/**
 * Records a batch of accepted deliveries ($1 outbox ids, $2 who delivered). Planned by primary
 * key: no index serves "status = 'pending'" alone, so a backlog of pending rows never makes a
 * batch read them all (migration OutboxStatusIndex).
 */
const markDeliveredSql = (ids: string, by: string) => `UPDATE outbox SET status = 'delivered', delivered_at = now(), delivered_by = ${by}, attempts = attempts + 1, last_error = NULL
  WHERE id = ANY(${ids}::uuid[]) AND status = 'pending'`;
export const MARK_DELIVERED = markDeliveredSql('$1', '$2');

/** The outbox rows ($1 ids) with their notifications and their institutions' channels. */
export const LOAD_PARCELS = `SELECT o.id, o.channel, o.status, o.attempts, o.notification_id, n.entity, n.type, n.mesa, n.plan_id, n.task_id,
       n.message_es, n.message_en, n.subject_es, n.created_at, c.email, c.webhook_url, c.webhook_secret
  FROM outbox o
  JOIN notifications n ON n.id = o.notification_id
  LEFT JOIN entity_channels c ON c.code = n.entity
 WHERE o.id = ANY($1::uuid[])`;

/**
 * Both in one statement, so that a worker's reads and records of one moment share one round
 * trip: $1 the rows to read, $2 the rows delivered, $3 who delivered them. The update runs
 * whether or not the select reads it; a row being recorded delivered is not handed out again.
 */
export const LOAD_AND_MARK = `WITH delivered AS (${markDeliveredSql('$2', '$3')})
${LOAD_PARCELS} AND NOT (o.id = ANY($2::uuid[]))`;

/**
 * One read-and-record statement at a time: what is asked while it runs goes in the next one, so
 * under load each statement carries more rows. Measured with the notifications benchmark (3
 * runs each, same hour): PostgreSQL CPU per notification 76-79 us with a statement every
 * millisecond, 52 us with one at a time, 64 us with two. A statement that runs longer than
 * 50 ms (waiting on a row lock) lets the next one go.
 */
const BATCHING = { windowMs: 1, maxInFlight: 1, slowMs: 50 };

// The batch's keys: what is asked, then the outbox id (both prefixes of one length).
const LOAD = 'load:';
const MARK = 'mark:';

export type DeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'skipped' | 'waiting';

/**
 * How long an e-mail waits, without using up an attempt, while this process has no SMTP_URL:
 * it goes out within this long of a restart with one.
 */
export const NO_SMTP_RECHECK_MS = 5 * 60_000;

/** What the webhook receiver gets: the notification, never a secret. */
export function webhookBody(p: Parcel) {
  return {
    id: p.notification_id,
    type: p.type,
    entity: p.entity,
    mesa: p.mesa,
    planId: p.plan_id,
    taskId: p.task_id,
    subject: p.subject_es,
    message: p.message_es,
    messageEn: p.message_en,
    createdAt: p.created_at.toISOString(),
  };
}

/**
 * Delivers one outbox row through its channel and records the outcome in PostgreSQL: shared by
 * the BullMQ worker and the in-process dispatcher, so both behave the same.
 */
@Injectable()
export class DeliveryService implements OnApplicationShutdown {
  private email?: EmailSender;
  private readonly webhooks: WebhookClient;
  private readonly deliveredBy = `${hostname()}:${process.pid}`;
  private readonly logger = new Logger(DeliveryService.name);
  /** Delivered records still being written (attempts that recorded in the background). */
  private readonly recording = new Set<Promise<void>>();
  private recordFailing = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
  ) {
    const { smtpUrl, mailFrom } = config.notifications;
    if (smtpUrl) this.email = new EmailSender({ smtpUrl, from: mailFrom });
    this.webhooks = new WebhookClient({ connectionsPerOrigin: config.notifications.webhookConnections, publicOnly: config.notifications.webhookPublicOnly });
  }

  /** The last hook: whoever delivers (the worker, the dispatcher) has stopped in onModuleDestroy. */
  onApplicationShutdown(): void {
    this.email?.close();
    this.webhooks.close();
  }

  /**
   * The reads and delivered records asked for within a millisecond go in one round trip, as one
   * named statement (prepared once per connection: planning the join cost its backend more than
   * running it, 0.13 against 0.05 ms for 10 rows). One such statement runs at a time (see
   * BATCHING).
   */
  private readonly batch = new Batcher<string, Parcel | true>(async (keys) => {
    const load: string[] = [];
    const mark: string[] = [];
    for (const key of keys) (key.startsWith(MARK) ? mark : load).push(key.slice(MARK.length));
    const { rows } = await this.pool.query<Parcel>({ name: 'govflow_load_and_mark', text: LOAD_AND_MARK, values: [load, mark, this.deliveredBy] });
    const done = new Map<string, Parcel | true>(rows.map((r) => [LOAD + r.id, r]));
    for (const id of mark) done.set(MARK + id, true);
    return done;
  }, BATCHING);

  async load(outboxId: string): Promise<Parcel | null> {
    return ((await this.batch.load(LOAD + outboxId)) as Parcel | undefined) ?? null;
  }

  /** Sends through the channel; throws DeliveryError when the channel did not accept it. */
  async send(parcel: Parcel): Promise<void> {
    if (parcel.channel === 'webhook') {
      if (!parcel.webhook_url || !parcel.webhook_secret) throw new DeliveryError('the institution has no webhook configured any more', false);
      // Checked again at send time: the allowlist may have been narrowed since the URL was set.
      if (!isAllowedWebhookUrl(parcel.webhook_url, this.config.notifications.webhookAllowedHosts)) {
        throw new DeliveryError('the webhook host is not in GOVFLOW_WEBHOOK_ALLOWED_HOSTS any more', false);
      }
      await sendWebhook({
        url: parcel.webhook_url,
        secret: parcel.webhook_secret,
        body: webhookBody(parcel),
        notificationId: parcel.notification_id,
        timeoutMs: this.config.notifications.webhookTimeoutMs,
        client: this.webhooks,
      });
      return;
    }
    if (!parcel.email) throw new DeliveryError('the institution has no e-mail address configured any more', false);
    if (!this.email) throw new DeliveryError('SMTP_URL is not configured', true);
    await this.email.send({
      to: parcel.email,
      subject: parcel.subject_es,
      text: `${parcel.message_es}\n\n—\n${parcel.message_en}\n`,
      notificationId: parcel.notification_id,
    });
  }

  /** Recorded only after the channel accepted it; concurrent deliveries share one UPDATE. */
  async markDelivered(outboxId: string): Promise<void> {
    await this.batch.load(MARK + outboxId);
  }

  /** Records a failed attempt: retried later with backoff, or dead after the last attempt. */
  async markFailed(outboxId: string, error: unknown, attempt: number, final: boolean): Promise<'retry' | 'dead'> {
    const message = error instanceof Error ? error.message.slice(0, 500) : 'unknown error';
    const dead = final || attempt >= this.config.notifications.maxAttempts;
    await this.pool.query(
      `UPDATE outbox SET attempts = $2, last_error = $3, status = CASE WHEN $4 THEN 'dead' ELSE status END,
              next_attempt_at = now() + ($5::int * interval '1 millisecond'), enqueued_at = CASE WHEN $4 THEN enqueued_at ELSE NULL END
        WHERE id = $1 AND status = 'pending'`,
      [outboxId, attempt, message, dead, retryDelayMs(attempt, this.config.notifications.backoffMs)],
    );
    // An operator learns of a dead notification from the log too, not only from /metrics.
    if (dead) this.logger.warn({ outboxId, attempts: attempt, lastError: message }, 'notification dead: GET /v1/notifications?status=dead, POST …/redrive once mended');
    return dead ? 'dead' : 'retry';
  }

  /** Puts a notification back, pending, for later, without counting an attempt. */
  private async wait(outboxId: string, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE outbox SET last_error = $2, next_attempt_at = now() + ($3::int * interval '1 millisecond'), enqueued_at = NULL
        WHERE id = $1 AND status = 'pending'`,
      [outboxId, reason, NO_SMTP_RECHECK_MS],
    );
  }

  /**
   * One attempt, start to end. With `recordInBackground` (the BullMQ worker), it ends once the
   * channel accepted the notification, and the delivered record joins the next batch on its own:
   * the worker's slot goes to the next job a few milliseconds sooner. Nothing is lost either
   * way: a record that is never written (the process died, PostgreSQL failed) leaves the row
   * pending, and it is delivered again, with the same Idempotency-Key, once its lease runs out,
   * as when a worker dies holding the job.
   */
  async attempt(outboxId: string, options: { recordInBackground?: boolean } = {}): Promise<DeliveryOutcome> {
    const parcel = await this.load(outboxId);
    if (!parcel || parcel.status !== 'pending') return 'skipped';
    if (parcel.channel === 'email' && parcel.email && !this.email) {
      await this.wait(outboxId, 'SMTP_URL is not configured: the e-mail waits, pending, until it is');
      return 'waiting';
    }
    try {
      await this.send(parcel);
    } catch (error) {
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      return this.markFailed(outboxId, error, parcel.attempts + 1, !retryable);
    }
    const recorded = this.markDelivered(outboxId);
    if (options.recordInBackground) this.keep(recorded, outboxId);
    else await recorded;
    return 'delivered';
  }

  /** Resolves once every delivered record written in the background has been written or has failed. */
  async settled(): Promise<void> {
    while (this.recording.size > 0) await Promise.all(this.recording);
  }

  private keep(recorded: Promise<void>, outboxId: string): void {
    const kept: Promise<void> = recorded.then(
      () => {
        this.recording.delete(kept);
        if (this.recordFailing) this.logger.log('delivered notifications are being recorded again');
        this.recordFailing = false;
      },
      (error: unknown) => {
        this.recording.delete(kept);
        // One warning while it lasts: each of a batch's deliveries fails with the same error.
        if (!this.recordFailing) this.logger.warn({ err: error, outboxId }, 'a delivered notification could not be recorded; it will be delivered again after its lease');
        this.recordFailing = true;
      },
    );
    this.recording.add(kept);
  }
}
