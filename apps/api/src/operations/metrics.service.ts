import { Inject, Injectable, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PG_POOL } from '@govflow/event-store';
import { OutboxRelay, pendingOutbox } from '@govflow/notifications';

/** Above this many rows (PostgreSQL's estimate), the outbox's row count is the estimate, not a count. */
export const EXACT_COUNT_ROWS = 100_000;

/**
 * The outbox by status and the age of its oldest pending row, in one snapshot. Pending rows
 * are read through their own indexes (pendingOutbox) and dead ones through outbox_dead, so
 * those cost what the backlog holds; delivered = all rows - the rest. All rows are counted
 * while the table is small, and past EXACT_COUNT_ROWS taken from the planner's statistics
 * (kept by autovacuum): a scrape must not read the whole delivered history.
 */
export const OUTBOX_GAUGES = `WITH pending AS ${pendingOutbox('created_at')},
        estimate AS (SELECT reltuples FROM pg_class WHERE oid = 'outbox'::regclass)
   SELECT (SELECT count(*) FROM pending)::float8 AS pending,
          (SELECT count(*) FROM outbox WHERE status = 'dead')::float8 AS dead,
          CASE WHEN (SELECT reltuples FROM estimate) < ${EXACT_COUNT_ROWS} THEN (SELECT count(*) FROM outbox)
               ELSE (SELECT reltuples FROM estimate) END::float8 AS total,
          COALESCE((SELECT EXTRACT(EPOCH FROM now() - min(created_at)) FROM pending), 0)::float8 AS oldest_pending`;

/**
 * Commit-to-delivery time of the deliveries of the last 5 minutes, of notifications created in
 * the last 24 hours: read through outbox_recent, so it costs a day of notifications, not the
 * whole history. The default retry schedule ends within minutes; an older notification still
 * waiting shows in govflow_outbox_oldest_pending_seconds.
 */
export const DELIVERY_LAG = `SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at)), 0)::float AS p50,
        COALESCE(percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at)), 0)::float AS p99
   FROM outbox
  WHERE created_at > now() - interval '24 hours' AND status = 'delivered' AND delivered_at > now() - interval '5 minutes'`;

/**
 * Prometheus metrics, computed from PostgreSQL (the truth, whichever process delivered) and
 * from the queue when there is one.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() private readonly relay?: OutboxRelay,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'govflow_process_' });
    const outbox = new Gauge({ name: 'govflow_outbox_deliveries', help: `Outbox deliveries by status (delivered: estimated from PostgreSQL statistics past ${EXACT_COUNT_ROWS} rows)`, labelNames: ['status'], registers: [this.registry] });
    const oldest = new Gauge({ name: 'govflow_outbox_oldest_pending_seconds', help: 'Age of the oldest undelivered notification (delivery lag)', registers: [this.registry] });
    const lag = new Gauge({
      name: 'govflow_delivery_lag_seconds',
      help: 'Commit-to-delivery time of deliveries in the last 5 minutes',
      labelNames: ['quantile'],
      registers: [this.registry],
    });
    const depth = new Gauge({ name: 'govflow_queue_depth', help: 'BullMQ notification jobs by state', labelNames: ['state'], registers: [this.registry] });
    const events = new Gauge({ name: 'govflow_events_total', help: 'Events in the store', registers: [this.registry] });
    const refresh = async () => {
      const { rows } = await this.pool.query(OUTBOX_GAUGES);
      const { pending, dead, total, oldest_pending } = rows[0];
      outbox.reset();
      outbox.set({ status: 'pending' }, pending);
      outbox.set({ status: 'delivered' }, Math.max(0, total - pending - dead));
      outbox.set({ status: 'dead' }, dead);
      oldest.set(oldest_pending);
      const recent = await this.pool.query(DELIVERY_LAG);
      lag.set({ quantile: '0.5' }, recent.rows[0].p50);
      lag.set({ quantile: '0.99' }, recent.rows[0].p99);
      const count = await this.pool.query(`SELECT COALESCE(max(position), 0)::float AS n FROM events`);
      events.set(count.rows[0].n);
      if (this.relay) {
        // Redis down must not hang the scrape: the outbox gauges above still tell the story.
        const counts = await Promise.race([
          this.relay.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000)),
        ]);
        depth.reset();
        if (counts) for (const [state, n] of Object.entries(counts)) depth.set({ state }, n);
      }
    };
    this.refresh = refresh;
  }

  private readonly refresh: () => Promise<void>;

  async render(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }
}
