import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CLAIM_DUE_OUTBOX, claimDueOutbox, releaseClaims } from '@govflow/notifications/outbox-claim';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

/**
 * The claim hands each due row to one relay pass: never-enqueued rows, and rows whose lease ran
 * out (their job was lost), but not rows in flight, delivered, dead or not yet due. It runs in a
 * database of its own: a claim takes every due row, and other suites have rows in flight.
 */
describe('outbox claim', () => {
  let db: ScratchDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await scratchDatabase('govflow_claim');
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(() => pool.query('TRUNCATE outbox'));

  /** One outbox row in the given state; returns its id. */
  async function row(state: { status?: string; enqueuedSecondsAgo?: number; dueInSeconds?: number }): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO outbox (id, event_position, kind, payload, notification_id, channel, status, enqueued_at, next_attempt_at)
       VALUES ($1, 1, 'webhook', '{}', $2, 'webhook', $3,
               CASE WHEN $4::int IS NULL THEN NULL ELSE now() - $4::int * interval '1 second' END,
               now() + $5::int * interval '1 second')`,
      [id, randomUUID(), state.status ?? 'pending', state.enqueuedSecondsAgo ?? null, state.dueInSeconds ?? 0],
    );
    return id;
  }

  it('claims new and lease-expired rows once, and leaves in-flight, future, delivered and dead rows', async () => {
    const fresh = await row({});
    const expired = await row({ enqueuedSecondsAgo: 120 });
    await row({ enqueuedSecondsAgo: 5 }); // in flight, lease of 60 s still running
    await row({ dueInSeconds: 60 }); // a retry not yet due
    await row({ status: 'delivered' });
    await row({ status: 'dead' });

    expect((await claimDueOutbox(pool, 100, 60_000)).sort()).toEqual([fresh, expired].sort());
    expect(await claimDueOutbox(pool, 100, 60_000)).toEqual([]);
  });

  it('takes at most the limit, new rows first, and a released claim is claimed again', async () => {
    const news = await Promise.all([row({}), row({}), row({})]);
    const expired = await row({ enqueuedSecondsAgo: 120 });

    const first = await claimDueOutbox(pool, 2, 60_000);
    expect(first).toHaveLength(2);
    expect(news).toEqual(expect.arrayContaining(first));
    const second = await claimDueOutbox(pool, 2, 60_000);
    expect(second.sort()).toEqual([news.find((id) => !first.includes(id))!, expired].sort());

    await releaseClaims(pool, first);
    expect((await claimDueOutbox(pool, 10, 60_000)).sort()).toEqual([...first].sort());
  });

  it('never gives the same row to two concurrent passes', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, () => row({})));
    const passes = await Promise.all(Array.from({ length: 4 }, () => claimDueOutbox(pool, 60, 60_000)));
    const claimed = passes.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    const rest = await claimDueOutbox(pool, 1000, 60_000);
    expect([...claimed, ...rest].sort()).toEqual([...ids].sort());
  });

  it('reads two index ranges, not the table, with many delivered rows, and no index is written that no query reads', async () => {
    await pool.query(
      `INSERT INTO outbox (id, event_position, kind, payload, notification_id, channel, status, enqueued_at, delivered_at)
       SELECT gen_random_uuid(), 1, 'webhook', '{}', gen_random_uuid(), 'webhook', 'delivered', now(), now() FROM generate_series(1, 20000)`,
    );
    await row({});
    await row({ enqueuedSecondsAgo: 120 });
    await pool.query('ANALYZE outbox');

    const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${CLAIM_DUE_OUTBOX}`, [500, 60_000]);
    const scans: string[] = [];
    const walk = (node: { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: unknown[] }) => {
      if (node['Relation Name'] === 'outbox') scans.push(`${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
      (node.Plans as (typeof node)[] | undefined)?.forEach(walk);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    expect(scans).toEqual(expect.arrayContaining([expect.stringMatching(/outbox_to_enqueue$/), expect.stringMatching(/outbox_leased$/)]));
    expect(scans.filter((s) => s.startsWith('Seq Scan'))).toEqual([]);

    // outbox_pending served no query and cost every claim an index write (migration DropOutboxPending).
    const indexes = await pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'outbox' ORDER BY indexname`);
    expect(indexes.rows.map((r) => r.indexname)).not.toContain('outbox_pending');
  });
});
