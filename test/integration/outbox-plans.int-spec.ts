import { Pool } from 'pg';
import { CLAIM_DUE_OUTBOX, LOAD_AND_MARK, LOAD_PARCELS, MARK_DELIVERED, NotificationsAdmin, listDeliveriesSql } from '@govflow/notifications';
import { OutboxSignal } from '@govflow/notifications/notification.writer';
import { DELIVERY_LAG, EXACT_COUNT_ROWS, OUTBOX_GAUGES } from '../../apps/api/src/operations/metrics.service';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; 'Actual Loops'?: number; Plans?: PlanNode[] };

/**
 * The outbox scans in an EXPLAIN (FORMAT JSON) plan ("Index Scan outbox_pkey", "Seq Scan", ...)
 * and every node type in it; with `executedOnly` (EXPLAIN ANALYZE), only the nodes that ran.
 */
function planScans(plan: PlanNode, executedOnly = false): { scans: string[]; nodes: string[] } {
  const scans: string[] = [];
  const nodes: string[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node['Node Type']);
    const counted = !executedOnly || (node['Actual Loops'] ?? 0) > 0;
    if (counted && node['Index Name']?.startsWith('outbox_')) scans.push(`${node['Node Type']} ${node['Index Name']}`);
    else if (counted && node['Relation Name'] === 'outbox' && node['Node Type'] === 'Seq Scan') scans.push('Seq Scan');
    node.Plans?.forEach(walk);
  };
  walk(plan);
  return { scans, nodes };
}

/**
 * How the plan of `sql` reads the outbox. With `generic`, the plan PostgreSQL caches for a named
 * statement once it stops planning each execution for its values (the worker's and the relay's
 * statements are named).
 */
async function outboxScans(pool: Pool, sql: string, params: unknown[], generic?: { types: string }): Promise<{ scans: string[]; nodes: string[] }> {
  const rows = generic ? await explainGeneric(pool, sql, params, generic.types) : (await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows;
  return planScans(rows[0]['QUERY PLAN'][0].Plan);
}

/** The outbox scans a statement's run executed (EXPLAIN ANALYZE): a branch never taken is left out. */
async function executedScans(pool: Pool, sql: string): Promise<string[]> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  return planScans(rows[0]['QUERY PLAN'][0].Plan, true).scans;
}

async function explainGeneric(pool: Pool, sql: string, params: unknown[], types: string) {
  const client = await pool.connect();
  try {
    await client.query(`PREPARE plan_under_test (${types}) AS ${sql}`);
    await client.query('SET plan_cache_mode = force_generic_plan');
    // EXECUTE takes no bound parameters: the values go as literals.
    const literal = (v: unknown) => (typeof v === 'number' ? String(v) : client.escapeLiteral(Array.isArray(v) ? `{${v.join(',')}}` : String(v)));
    return (await client.query(`EXPLAIN (FORMAT JSON) EXECUTE plan_under_test (${params.map(literal).join(', ')})`)).rows;
  } finally {
    await client.query('DEALLOCATE ALL; RESET plan_cache_mode').catch(() => undefined);
    client.release();
  }
}

/**
 * The outbox's hot and admin queries keep their plans whatever the backlog and whatever the
 * planner's statistics say: an index on status once made every "mark delivered" batch read
 * every pending row (migration OutboxStatusIndex). A database of its own: rows are truncated.
 */
describe('outbox query plans', () => {
  let db: ScratchDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await scratchDatabase('govflow_outbox_plans');
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(() => pool.query('TRUNCATE outbox, notifications'));

  /** `n` outbox rows with their notifications, created `ageSeconds` ago, in the given state. */
  async function rows(n: number, state: { status: string; enqueued?: boolean; ageSeconds?: number }): Promise<void> {
    await pool.query(
      `WITH made AS (
         SELECT gen_random_uuid() AS id, gen_random_uuid() AS notification_id,
                now() - $3::int * interval '1 second' - g * interval '1 ms' AS created_at
           FROM generate_series(1, $1::int) g),
       notes AS (
         INSERT INTO notifications (id, entity, type, event_position, message_es, message_en, subject_es, subject_en, created_at)
         SELECT notification_id, 'GAE', 'plan.submitted', 1, 'm', 'm', 's', 's', created_at FROM made)
       INSERT INTO outbox (id, event_position, kind, payload, notification_id, channel, status, enqueued_at, created_at)
       SELECT id, 1, 'webhook', '{}', notification_id, 'webhook', $2, CASE WHEN $4 THEN now() END, created_at FROM made`,
      [n, state.status, state.ageSeconds ?? 0, state.enqueued ?? false],
    );
  }

  it('marks a batch delivered by primary key even with 16,000 pending rows and no statistics', async () => {
    await rows(16000, { status: 'pending', enqueued: true });
    const batch = (await pool.query(`SELECT id FROM outbox ORDER BY random() LIMIT 60`)).rows.map((r) => r.id);

    // No ANALYZE: the planner knows the table's size, not how few rows are pending.
    const { scans } = await outboxScans(pool, MARK_DELIVERED, [batch, 'test']);
    expect(scans).toEqual([expect.stringMatching(/outbox_pkey$/)]);
    // The worker's statements are named: the plan cached for every value is by primary key too.
    expect((await outboxScans(pool, MARK_DELIVERED, [batch, 'test'], { types: 'uuid[], text' })).scans).toEqual([expect.stringMatching(/outbox_pkey$/)]);
    expect((await outboxScans(pool, LOAD_PARCELS, [batch], { types: 'uuid[]' })).scans).toEqual([expect.stringMatching(/outbox_pkey$/)]);
    const both = await outboxScans(pool, LOAD_AND_MARK, [batch.slice(0, 30), batch.slice(30), 'test'], { types: 'uuid[], uuid[], text' });
    expect(both.scans).toEqual([expect.stringMatching(/outbox_pkey$/), expect.stringMatching(/outbox_pkey$/)]);
    // The relay's claim: the two partial indexes, then the claimed rows by primary key.
    expect((await outboxScans(pool, CLAIM_DUE_OUTBOX, [500, 30000], { types: 'int, int' })).scans.map((s) => s.split(' ').pop()).sort()).toEqual([
      'outbox_leased',
      'outbox_pkey',
      'outbox_to_enqueue',
    ]);

    await pool.query(MARK_DELIVERED, [batch, 'test']);
    const counts = await pool.query(`SELECT status, count(*)::int AS n FROM outbox GROUP BY status ORDER BY status`);
    expect(counts.rows).toEqual([
      { status: 'delivered', n: 60 },
      { status: 'pending', n: 15940 },
    ]);
  });

  it('reads and records deliveries in one statement, never handing out a row it records delivered', async () => {
    await rows(6, { status: 'pending', enqueued: true });
    const [a, b, c, d, e, f] = (await pool.query(`SELECT id FROM outbox ORDER BY id`)).rows.map((r) => r.id as string);
    await pool.query(`UPDATE outbox SET status = 'dead' WHERE id = $1`, [f]);

    const { rows: read } = await pool.query(LOAD_AND_MARK, [[a, b, c], [c, d, f], 'worker-1']);
    expect(read.map((r) => r.id).sort()).toEqual([a, b]);
    expect(read[0]).toMatchObject({ status: 'pending', channel: 'webhook', entity: 'GAE', type: 'plan.submitted' });

    const { rows: after } = await pool.query(`SELECT id, status, delivered_by, attempts FROM outbox ORDER BY id`);
    expect(after).toEqual([
      { id: a, status: 'pending', delivered_by: null, attempts: 0 },
      { id: b, status: 'pending', delivered_by: null, attempts: 0 },
      { id: c, status: 'delivered', delivered_by: 'worker-1', attempts: 1 },
      { id: d, status: 'delivered', delivered_by: 'worker-1', attempts: 1 },
      { id: e, status: 'pending', delivered_by: null, attempts: 0 },
      { id: f, status: 'dead', delivered_by: null, attempts: 0 }, // only pending rows are recorded delivered
    ]);
  });

  it('lists the newest deliveries of each status through an index, never sorting the whole history', async () => {
    await rows(20000, { status: 'delivered', ageSeconds: 3600 });
    await rows(30, { status: 'dead', ageSeconds: 1800 });
    await rows(50, { status: 'pending' });
    await pool.query('ANALYZE outbox, notifications');

    const expected = { all: ['outbox_recent'], delivered: ['outbox_recent'], dead: ['outbox_dead'], pending: ['outbox_to_enqueue', 'outbox_leased'] };
    for (const [status, indexes] of Object.entries(expected)) {
      const { scans, nodes } = await outboxScans(pool, listDeliveriesSql(status === 'all' ? undefined : (status as 'pending')), [100]);
      expect({ status, indexes: scans.map((s) => s.split(' ').pop()) }).toEqual({ status, indexes });
      // Only the backlog may be sorted; the delivered history never is.
      expect({ status, sorted: nodes.includes('Sort') }).toEqual({ status, sorted: status === 'pending' });
    }

    const admin = new NotificationsAdmin(pool, new OutboxSignal());
    const dead = await admin.list('dead', 10);
    expect(dead).toHaveLength(10);
    expect(dead.every((d) => d.status === 'dead')).toBe(true);
    const pending = await admin.list('pending', 100);
    expect(pending).toHaveLength(50);
    const newest = await admin.list(undefined, 60);
    expect(newest.map((d) => d.status)).toEqual([...Array(50).fill('pending'), ...Array(10).fill('dead')]);
    const times = newest.map((d) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('counts the outbox for /metrics in one snapshot, reading pending rows through their own indexes', async () => {
    await rows(5000, { status: 'delivered', ageSeconds: 7200 });
    await rows(7, { status: 'dead', ageSeconds: 3600 });
    await rows(4, { status: 'pending', ageSeconds: 120 });
    await rows(3, { status: 'pending', enqueued: true, ageSeconds: 600 });
    await pool.query('ANALYZE outbox');

    const { rows: gauges } = await pool.query(OUTBOX_GAUGES);
    expect(gauges[0]).toMatchObject({ pending: 7, dead: 7, total: 5014 });
    expect(gauges[0].oldest_pending).toBeGreaterThanOrEqual(600);
    expect(gauges[0].oldest_pending).toBeLessThan(660);

    const { scans } = await outboxScans(pool, OUTBOX_GAUGES, []);
    expect(scans).toEqual(expect.arrayContaining([expect.stringMatching(/outbox_to_enqueue$/), expect.stringMatching(/outbox_leased$/), expect.stringMatching(/outbox_dead$/)]));
  });

  it('keeps a scrape off the delivered history: the row count from statistics past the threshold, the lag through outbox_recent', async () => {
    await rows(EXACT_COUNT_ROWS + 20000, { status: 'delivered', ageSeconds: 3 * 86400 });
    await rows(5, { status: 'dead', ageSeconds: 3600 });
    await rows(3, { status: 'pending', ageSeconds: 60 });
    await pool.query('ANALYZE outbox');
    const estimated = Number((await pool.query(`SELECT reltuples FROM pg_class WHERE oid = 'outbox'::regclass`)).rows[0].reltuples);
    expect(estimated).toBeGreaterThan(EXACT_COUNT_ROWS);
    // Rows written since the statistics were taken are not counted: the figure is the estimate.
    await rows(1000, { status: 'delivered', ageSeconds: 3 * 86400 });
    const { rows: gauges } = await pool.query(OUTBOX_GAUGES);
    expect(gauges[0]).toMatchObject({ pending: 3, dead: 5, total: estimated });

    // Deliveries of the last 5 minutes: 4 recent ones (1, 2, 3 and 4 s after their creation);
    // the old rows are read neither for the count nor for the lag.
    await pool.query(
      `UPDATE outbox SET status = 'delivered', created_at = now() - interval '1 minute',
              delivered_at = now() - interval '1 minute' + (1 + row_number) * interval '1 second'
         FROM (SELECT id AS target, row_number() OVER (ORDER BY id) - 1 AS row_number FROM outbox WHERE status = 'pending') p
        WHERE id = target`,
    );
    await rows(1, { status: 'pending', ageSeconds: 30 });
    await pool.query(`UPDATE outbox SET status = 'delivered', delivered_at = created_at + interval '4 seconds' WHERE status = 'pending'`);
    const lag = (await pool.query(DELIVERY_LAG)).rows[0];
    expect(lag.p50).toBeCloseTo(2.5, 5);
    expect(lag.p99).toBeCloseTo(3.97, 5);
    const { scans } = await outboxScans(pool, DELIVERY_LAG, []);
    expect(scans.map((s) => s.split(' ').pop())).toEqual(['outbox_recent']);
    expect(await executedScans(pool, OUTBOX_GAUGES)).not.toContain('Seq Scan');
  });
});
