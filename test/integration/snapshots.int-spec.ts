import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Pool } from 'pg';
import { EventStore, SnapshotStore, StoredEvent } from '@govflow/event-store';
import { PLAN_SNAPSHOT_SCHEMA, PlanRepository, foldPlan, planStreamId } from '@govflow/plans/plan.repository';
import { seedLongPlan } from '../../bench/seed';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

/**
 * Snapshots of long plans, on PostgreSQL: a plan of about 450 events (the benchmarks' seeder:
 * valid commands, hash-chained) loaded through snapshots must give the state and head of
 * folding every event, whatever the snapshot table holds.
 */
describe('plan snapshots', () => {
  const KEY = randomBytes(32);
  let db: ScratchDatabase;
  let pool: Pool;
  let store: EventStore;
  let snapshots: SnapshotStore;
  let warnings: string[];
  let planId: string;
  let streamId: string;
  let events: StoredEvent[];

  const snapshotRow = async () =>
    (await pool.query<{ stream_version: number; schema: string }>(`SELECT stream_version, schema FROM snapshots WHERE stream_id = $1`, [streamId])).rows[0];
  /** The snapshot a load at `version` would have left. */
  const snapshotAt = (version: number, store = snapshots) =>
    store.save(streamId, PLAN_SNAPSHOT_SCHEMA, version, events[version - 1].hash, foldPlan(events.slice(0, version)));
  /** What every load must give: the fold of the whole stream, and its last hash. */
  const whole = () => ({ state: foldPlan(events), head: events[events.length - 1].hash });

  beforeAll(async () => {
    db = await scratchDatabase('govflow_snap');
    ({ planId } = await seedLongPlan(db.url, 450));
    streamId = planStreamId(planId);
    pool = new Pool({ connectionString: db.url, max: 4 });
    store = new EventStore(pool);
    snapshots = new SnapshotStore(pool, store, KEY, { every: 100, log: { warn: (m) => warnings.push(m) } });
    events = await store.readStream(streamId);
    expect(events.length).toBeGreaterThanOrEqual(450);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(async () => {
    warnings = [];
    await pool.query(`TRUNCATE snapshots`);
  });

  it('folds a long plan once, leaves a snapshot, and then loads from it to the same state and head', async () => {
    const repository = new PlanRepository(store, snapshots);
    expect(await repository.load(planId)).toEqual(whole());
    expect(await snapshotRow()).toEqual({ stream_version: events.length, schema: PLAN_SNAPSHOT_SCHEMA });

    const read = await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA);
    expect(read.base?.version).toBe(events.length);
    expect(read.events).toHaveLength(0);
    expect(await repository.load(planId)).toEqual(whole());
    // Without snapshots, the same plan.
    expect(await new PlanRepository(store).load(planId)).toEqual(whole());
    expect(warnings).toEqual([]);
  });

  it('folds only the events after an older snapshot, and leaves a new one once they are `every` or more', async () => {
    const repository = new PlanRepository(store, snapshots);
    await snapshotAt(events.length - 60);
    const read = await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA);
    expect(read.base?.version).toBe(events.length - 60);
    expect(read.events.map((e) => e.version)).toEqual(events.slice(-60).map((e) => e.version));
    expect(await repository.load(planId)).toEqual(whole());
    expect((await snapshotRow()).stream_version).toBe(events.length - 60);

    await pool.query(`TRUNCATE snapshots`);
    await snapshotAt(events.length - 150);
    expect(await repository.load(planId)).toEqual(whole());
    expect((await snapshotRow()).stream_version).toBe(events.length);
  });

  it('keeps the later snapshot when an older one is saved after it', async () => {
    await snapshotAt(events.length - 10);
    await snapshotAt(events.length - 300);
    expect((await snapshotRow()).stream_version).toBe(events.length - 10);
  });

  it('stores the state compressed, and reads back exactly the state it saved', async () => {
    await snapshotAt(events.length);
    const { rows } = await pool.query<{ state: Buffer }>(`SELECT state FROM snapshots WHERE stream_id = $1`, [streamId]);
    const json = JSON.stringify(foldPlan(events));
    expect(inflateRawSync(rows[0].state).toString('utf8')).toBe(json);
    expect(rows[0].state.length).toBeLessThan(json.length / 4);
    expect((await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA)).base?.state).toEqual(foldPlan(events));
  });

  it('ignores a snapshot edited in SQL, folds every event, and replaces it', async () => {
    await snapshotAt(events.length);
    // Mark every observation answered: what would let a plan through the blocking-observation
    // guard. The forged state is compressed as a genuine one is: only the MAC tells them apart.
    const { rows } = await pool.query<{ state: Buffer }>(`SELECT state FROM snapshots WHERE stream_id = $1`, [streamId]);
    const genuine = inflateRawSync(rows[0].state).toString('utf8');
    expect(genuine).toContain('"blocking":true');
    const forged = deflateRawSync(genuine.replaceAll('"blocking":true', '"blocking":false'), { level: 3 });
    const edited = await pool.query(`UPDATE snapshots SET state = $2 WHERE stream_id = $1`, [streamId, forged]);
    expect(edited.rowCount).toBe(1);
    const read = await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA);
    expect(read.base).toBeUndefined();
    expect(read.events).toHaveLength(events.length);
    expect(warnings).toEqual([`la instantánea de ${streamId} (versión ${events.length}) no se verifica; se lee el flujo completo`]);

    expect(await new PlanRepository(store, snapshots).load(planId)).toEqual(whole());
    expect((await snapshotRow()).stream_version).toBe(events.length);
    warnings = [];
    expect((await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA)).base?.version).toBe(events.length);
    expect(warnings).toEqual([]);
  });

  it('ignores a snapshot moved to another version', async () => {
    await snapshotAt(events.length - 20);
    await pool.query(`UPDATE snapshots SET stream_version = stream_version - 1 WHERE stream_id = $1`, [streamId]);
    expect((await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA)).base).toBeUndefined();
    expect(await new PlanRepository(store, snapshots).load(planId)).toEqual(whole());
    expect(warnings).toHaveLength(2); // one per read
  });

  it('ignores a snapshot whose event no longer has the hash it was taken on', async () => {
    const version = events.length - 20;
    await snapshotAt(version);
    await pool.query(`UPDATE events SET hash = decode(repeat('ab', 32), 'hex') WHERE stream_id = $1 AND stream_version = $2`, [streamId, version]);
    try {
      const read = await snapshots.readStream(streamId, PLAN_SNAPSHOT_SCHEMA);
      expect(read.base).toBeUndefined();
      expect(read.events).toHaveLength(events.length);
    } finally {
      await pool.query(`UPDATE events SET hash = decode($3, 'hex') WHERE stream_id = $1 AND stream_version = $2`, [streamId, version, events[version - 1].hash]);
    }
  });

  it('reads no snapshot taken under another schema tag or authenticated by another key', async () => {
    await snapshotAt(events.length - 20);
    const other = await snapshots.readStream(streamId, 'plan-state/0');
    expect(other.base).toBeUndefined();
    expect(other.events).toHaveLength(events.length);
    expect(warnings).toEqual([]);

    const otherKey = new SnapshotStore(pool, store, randomBytes(32));
    expect((await otherKey.readStream(streamId, PLAN_SNAPSHOT_SCHEMA)).base).toBeUndefined();
    expect(await new PlanRepository(store, otherKey).load(planId)).toEqual(whole());
  });

  it('reads a stream without a snapshot whole, in one query, and an unknown one as empty', async () => {
    const short = `test-${randomBytes(6).toString('hex')}`;
    let head: string | undefined;
    for (let n = 0; n < 3; n++) {
      ({ head } = await store.transaction((tx) =>
        tx.append({
          streamId: short,
          streamType: 'test',
          expectedVersion: n,
          expectedHead: head,
          events: [{ type: 'test.happened', data: { n }, metadata: { actorId: 'tester', entity: null }, recordedAt: new Date().toISOString() }],
        }),
      ));
    }
    expect(await snapshots.readStream(short, PLAN_SNAPSHOT_SCHEMA)).toEqual({ events: await store.readStream(short) });
    expect(await snapshots.readStream(`test-${randomBytes(6).toString('hex')}`, PLAN_SNAPSHOT_SCHEMA)).toEqual({ events: [] });
  });

  it('says there is no such plan, with or without snapshots', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(new PlanRepository(store, snapshots).load(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(new PlanRepository(store).load(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
