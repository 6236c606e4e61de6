import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, runMigrations } from '@govflow/database';
import { claimDueOutbox, releaseClaims } from '@govflow/notifications/outbox-claim';

/**
 * The claim hands each due row to one relay pass: never-enqueued rows, and rows whose lease ran
 * out (their job was lost), but not rows in flight, delivered, dead or not yet due. It runs in a
 * database of its own: a claim takes every due row, and other suites have rows in flight.
 */
describe('outbox claim', () => {
  const serverUrl = process.env.DATABASE_URL!;
  const name = `govflow_claim_${randomBytes(4).toString('hex')}`;
  let pool: Pool;

  beforeAll(async () => {
    await createDatabase(serverUrl, name);
    await runMigrations(databaseUrl(serverUrl, name));
    pool = new Pool({ connectionString: databaseUrl(serverUrl, name), max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    // pool.end() resolves once its clients are told to end, not once their backends are gone;
    // dropping the database (WITH FORCE) before that would hit them with an error of its own.
    const server = new Client({ connectionString: serverUrl });
    await server.connect();
    try {
      for (let i = 0; i < 100; i++) {
        const { rows } = await server.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await server.end();
    }
    await dropDatabase(serverUrl, name);
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
});
