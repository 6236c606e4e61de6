import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { VersionConflict } from '@govflow/domain';
import { EventStore, EventStoreTransaction, EventToAppend, GENESIS_HASH_HEX, START_OF_TIME, chainHash, preparedWrite } from '@govflow/event-store';

const event = (n: number): EventToAppend => ({
  type: 'test.happened',
  data: { n, text: 'ñandú €' },
  metadata: { actorId: 'tester', entity: 'TEST', rationale: `porque ${n}` },
  recordedAt: new Date().toISOString(),
});

describe('event store on PostgreSQL', () => {
  let pool: Pool;
  let store: EventStore;

  beforeAll(() => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 60 });
    store = new EventStore(pool);
  });
  afterAll(() => pool.end());

  const appendOne = (streamId: string, expectedVersion: number, expectedHead?: string, n = 0) =>
    store.transaction((tx) => tx.append({ streamId, streamType: 'test', expectedVersion, expectedHead, events: [event(n)] }));

  it('chains hashes from the genesis hash over the canonical event', async () => {
    const streamId = `test-${randomUUID()}`;
    const first = await appendOne(streamId, 0);
    const second = await appendOne(streamId, 1, first.head, 1);
    const stored = await store.readStream(streamId);
    expect(stored.map((e) => e.version)).toEqual([1, 2]);
    expect(stored[0].prevHash).toBe(GENESIS_HASH_HEX);
    expect(stored[1].prevHash).toBe(stored[0].hash);
    expect(second.head).toBe(stored[1].hash);
    for (const e of stored) {
      expect(chainHash(e.prevHash, e)).toBe(e.hash);
    }
    // The rationale is covered: change it and the hash no longer matches.
    const altered = { ...stored[0], metadata: { ...stored[0].metadata, rationale: 'otra razón' } };
    expect(chainHash(altered.prevHash, altered)).not.toBe(stored[0].hash);
  });

  it('lets exactly one of 50 concurrent appends with the same expected version win', async () => {
    const streamId = `test-${randomUUID()}`;
    const first = await appendOne(streamId, 0);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => appendOne(streamId, 1, first.head, i)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const r of lost) expect(r.reason).toBeInstanceOf(VersionConflict);
    const { rows } = await pool.query(`SELECT stream_version FROM events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
    expect(rows.map((r) => r.stream_version)).toEqual([1, 2]);
    const head = await pool.query(`SELECT version FROM streams WHERE stream_id = $1`, [streamId]);
    expect(head.rows[0].version).toBe(2);
  });

  it('lets exactly one of 50 concurrent creations of the same stream win', async () => {
    const streamId = `test-${randomUUID()}`;
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => appendOne(streamId, 0, undefined, i)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [streamId]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses an append whose expected head hash is not the stream head', async () => {
    const streamId = `test-${randomUUID()}`;
    await appendOne(streamId, 0);
    await expect(appendOne(streamId, 1, 'ab'.repeat(32))).rejects.toBeInstanceOf(VersionConflict);
  });

  it('names the stream in a conflict as its readers call it, in Spanish and English', async () => {
    const id = randomUUID();
    await appendOne(`plan-${id}`, 0);
    const conflict = await appendOne(`plan-${id}`, 0).catch((error: VersionConflict) => error);
    expect(conflict).toBeInstanceOf(VersionConflict);
    expect((conflict as VersionConflict).text).toEqual({
      es: `Otra persona modificó el plan ${id} al mismo tiempo. Vuelva a cargarlo e intente de nuevo.`,
      en: `Someone else changed plan ${id} at the same time. Reload it and try again.`,
    });
  });

  it('leaves no event, projection row or outbox row behind when the transaction fails after writing', async () => {
    const streamId = `test-${randomUUID()}`;
    const planId = randomUUID();
    const outboxId = randomUUID();
    await expect(
      store.transaction(async (tx) => {
        await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1), event(2)] });
        await tx.query(
          `INSERT INTO plans (id, mesa, status, version, revision, title, drafter, state, created_at, updated_at)
           VALUES ($1, 'M', 'draft', 2, 0, 't', 'D', '{}', now(), now())`,
          [planId],
        );
        await tx.query(`INSERT INTO outbox (id, kind, payload) VALUES ($1, 'notification', '{}')`, [outboxId]);
        throw new Error('the projection failed');
      }),
    ).rejects.toThrow('the projection failed');
    const counts = await pool.query(
      `SELECT (SELECT count(*) FROM events WHERE stream_id = $1)::int AS events,
              (SELECT count(*) FROM streams WHERE stream_id = $1)::int AS streams,
              (SELECT count(*) FROM plans WHERE id = $2)::int AS plans,
              (SELECT count(*) FROM outbox WHERE id = $3)::int AS outbox`,
      [streamId, planId, outboxId],
    );
    expect(counts.rows[0]).toEqual({ events: 0, streams: 0, plans: 0, outbox: 0 });
  });

  it('reads the global order in position order across pages', async () => {
    const streamId = `test-${randomUUID()}`;
    let head: string | undefined;
    for (let v = 0; v < 120; v++) head = (await appendOne(streamId, v, head, v)).head;
    let checkpoint = START_OF_TIME;
    const seen: bigint[] = [];
    for (;;) {
      const page = await store.readAll(checkpoint, 7);
      if (page.events.length === 0) break;
      seen.push(...page.events.map((e) => BigInt(e.position)));
      checkpoint = page.checkpoint;
    }
    const mine = (await store.readStream(streamId)).map((e) => BigInt(e.position));
    expect(mine.every((p) => seen.includes(p))).toBe(true);
    // within one writer's sequential transactions, global order is position order
    const order = seen.filter((p) => mine.includes(p));
    expect(order).toEqual([...mine].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('reads the global order without skipping an event that commits after a higher position', async () => {
    // Start from the current end of the log.
    let checkpoint = START_OF_TIME;
    for (;;) {
      const page = await store.readAll(checkpoint, 10_000);
      if (page.events.length === 0) break;
      checkpoint = page.checkpoint;
    }
    const slow = `test-${randomUUID()}`;
    const fast = `test-${randomUUID()}`;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // The slow transaction takes the lower position and stays open...
      const { EventStoreTransaction } = await import('@govflow/event-store');
      const slowTx = new EventStoreTransaction(client);
      const slowResult = await slowTx.append({ streamId: slow, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      // ...while a fast one commits a higher position.
      const fastResult = await appendOne(fast, 0);
      expect(BigInt(fastResult.events[0].position)).toBeGreaterThan(BigInt(slowResult.events[0].position));

      const whileOpen = await store.readAll(checkpoint, 10_000);
      expect(whileOpen.events.map((e) => e.streamId)).not.toContain(fast);
      expect(whileOpen.events.map((e) => e.streamId)).not.toContain(slow);
      checkpoint = whileOpen.checkpoint;

      await client.query('COMMIT');
    } finally {
      client.release();
    }
    // Other suites may hold transactions open for a moment; poll until both are visible.
    const order: string[] = [];
    for (let i = 0; i < 100 && order.length < 2; i++) {
      const page = await store.readAll(checkpoint, 10_000);
      checkpoint = page.checkpoint;
      order.push(...page.events.map((e) => e.streamId).filter((s) => s === slow || s === fast));
      if (order.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(order).toEqual([slow, fast]);
  });

  describe('prepared append statements: a new stream, the next event, a batch', () => {
    type Via = 'transaction' | 'append';
    const append = (via: Via, request: Parameters<EventStore['append']>[0]) =>
      via === 'transaction' ? store.transaction((tx) => tx.append(request)) : store.append(request);
    const rowsOf = async (streamId: string) => {
      const { rows } = await pool.query(
        `SELECT (SELECT count(*) FROM events WHERE stream_id = $1)::int AS events,
                (SELECT version FROM streams WHERE stream_id = $1) AS version,
                (SELECT encode(head_hash, 'hex') FROM streams WHERE stream_id = $1) AS head`,
        [streamId],
      );
      return rows[0];
    };

    for (const via of ['transaction', 'append'] as const) {
      it(`returns the positions and chains the hashes of each statement (${via})`, async () => {
        const streamId = `test-${randomUUID()}`;
        const created = await append(via, { streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        const next = await append(via, { streamId, streamType: 'test', expectedVersion: 1, expectedHead: created.head, events: [event(2)] });
        const batch = await append(via, { streamId, streamType: 'test', expectedVersion: 2, expectedHead: next.head, events: [event(3), event(4)] });
        const stored = await store.readStream(streamId);
        expect([...created.events, ...next.events, ...batch.events].map((e) => [e.version, e.position, e.prevHash, e.hash])).toEqual(
          stored.map((e) => [e.version, e.position, e.prevHash, e.hash]),
        );
        expect(stored.map((e) => e.version)).toEqual([1, 2, 3, 4]);
        expect(stored[0].prevHash).toBe(GENESIS_HASH_HEX);
        stored.forEach((e, i) => {
          expect(chainHash(e.prevHash, e)).toBe(e.hash);
          if (i > 0) expect(e.prevHash).toBe(stored[i - 1].hash);
        });
        expect(stored[0].data).toEqual(event(1).data);
        expect(await rowsOf(streamId)).toEqual({ events: 4, version: 4, head: batch.head });
      });

      it(`refuses a second creation of a stream with VersionConflict and writes nothing (${via})`, async () => {
        const streamId = `test-${randomUUID()}`;
        const first = await append(via, { streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        await expect(append(via, { streamId, streamType: 'test', expectedVersion: 0, events: [event(2)] })).rejects.toBeInstanceOf(VersionConflict);
        expect(await rowsOf(streamId)).toEqual({ events: 1, version: 1, head: first.head });
        expect((await store.readStream(streamId)).map((e) => e.data)).toEqual([event(1).data]);
      });

      it(`refuses one event on a stale version or head with VersionConflict and writes nothing (${via})`, async () => {
        const streamId = `test-${randomUUID()}`;
        const first = await append(via, { streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        const second = await append(via, { streamId, streamType: 'test', expectedVersion: 1, expectedHead: first.head, events: [event(2)] });
        await expect(append(via, { streamId, streamType: 'test', expectedVersion: 1, expectedHead: first.head, events: [event(3)] })).rejects.toBeInstanceOf(VersionConflict);
        await expect(append(via, { streamId, streamType: 'test', expectedVersion: 2, expectedHead: first.head, events: [event(3)] })).rejects.toBeInstanceOf(VersionConflict);
        expect(await rowsOf(streamId)).toEqual({ events: 2, version: 2, head: second.head });
      });
    }

    it('keeps a connection\'s prepared statements across a rollback, and across both protocols', async () => {
      const single = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
      const one = new EventStore(single);
      try {
        const pid = (await single.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const streamId = `test-${randomUUID()}`;
        // The first append on the connection PREPAREs; the transaction then fails and rolls back.
        await expect(
          one.transaction(async (tx) => {
            await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
            throw new Error('after the append');
          }),
        ).rejects.toThrow('after the append');
        expect(await rowsOf(streamId)).toEqual({ events: 0, version: null, head: null });
        // The same connection, the statement still prepared: EXECUTE works without a new PREPARE.
        const created = await one.transaction((tx) => tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] }));
        const next = await one.append({ streamId, streamType: 'test', expectedVersion: 1, expectedHead: created.head, events: [event(2)] });
        await one.transaction((tx) => tx.append({ streamId, streamType: 'test', expectedVersion: 2, expectedHead: next.head, events: [event(3)] }));
        const { rows } = await single.query(`SELECT pg_backend_pid() AS pid, array_agg(name::text ORDER BY name) AS names FROM pg_prepared_statements`);
        expect(rows[0].pid).toBe(pid);
        expect(rows[0].names).toEqual(
          expect.arrayContaining(['govflow_append_new_stream_tx', 'govflow_append_next_event_tx', 'govflow_append_next_event']),
        );
        expect((await one.readStream(streamId)).map((e) => e.version)).toEqual([1, 2, 3]);
      } finally {
        await single.end();
      }
    });

    it('sends the writes waiting before an append in the same message, or as parameters when they cannot be literals', async () => {
      const streamId = `test-${randomUUID()}`;
      const [inlined, parameterised] = [randomUUID(), randomUUID()];
      await store.transaction(async (tx) => {
        tx.write(`INSERT INTO outbox (id, kind, payload) VALUES ($1, 'notification', '{}')`, [inlined]);
        const first = await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        // A Buffer goes in binary: no literal for it, so the writes and the append go as parameters.
        tx.write(`INSERT INTO outbox (id, kind, payload, last_error) VALUES ($1, 'notification', '{}', $2)`, [parameterised, Buffer.from('binary')]);
        await tx.append({ streamId, streamType: 'test', expectedVersion: 1, expectedHead: first.head, events: [event(2)] });
      });
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1, 2]);
      const { rows } = await pool.query(`SELECT id, last_error FROM outbox WHERE id = ANY($1::uuid[])`, [[inlined, parameterised]]);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.last_error]))).toEqual({ [inlined]: null, [parameterised]: 'binary' });
    });
  });

  describe('staged appends: sent with the next statement or with COMMIT', () => {
    /** Records the text of every message the connection sends, until stop(). */
    const recordMessages = (client: PoolClient) => {
      const sent: string[] = [];
      const query = client.query;
      (client as unknown as { query: unknown }).query = (...args: Parameters<PoolClient['query']>) => {
        sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
        return query.apply(client, args as never);
      };
      return { sent, stop: () => ((client as unknown as { query: unknown }).query = query) };
    };
    const outboxRow = (tx: { write(sql: string, params?: unknown[]): void }, id: string) =>
      tx.write(`INSERT INTO outbox (id, kind, payload) VALUES ($1, 'notification', '{}')`, [id]);
    const countsOf = async (streamId: string, outboxId: string) =>
      (
        await pool.query(
          `SELECT (SELECT count(*) FROM events WHERE stream_id = $1)::int AS events, (SELECT version FROM streams WHERE stream_id = $1) AS version,
                  (SELECT count(*) FROM outbox WHERE id = $2)::int AS outbox`,
          [streamId, outboxId],
        )
      ).rows[0];

    it('PREPAREs a preparedWrite once per connection, then EXECUTEs it in the message, or as a named query when a value cannot be a literal', async () => {
      const single = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
      const one = new EventStore(single);
      const write = preparedWrite('govflow_test_outbox_row', `INSERT INTO outbox (id, kind, payload, last_error) VALUES ($1, 'notification', '{}', $2)`);
      try {
        const client = await single.connect();
        const { sent } = recordMessages(client);
        client.release();
        const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        await one.transaction(async (tx) => tx.write(write, [ids[0], 'primera']));
        await one.transaction(async (tx) => tx.write(write, [ids[1], "con 'comillas', \\ y ñ"]));
        await expect(
          one.transaction(async (tx) => {
            tx.write(write, [ids[2], 'revertida']);
            await tx.query('SELECT 1');
            throw new Error('after the write');
          }),
        ).rejects.toThrow('after the write');
        // A Buffer goes in binary, never as a literal: the same statement as a named query.
        await one.transaction(async (tx) => tx.write(write, [ids[3], Buffer.from('binaria')]));

        expect(sent.filter((m) => m.startsWith('PREPARE govflow_test_outbox_row_tx'))).toHaveLength(1);
        expect(sent.filter((m) => m.includes('EXECUTE govflow_test_outbox_row_tx ('))).toHaveLength(3);
        expect(sent.filter((m) => m.includes('INSERT INTO outbox') && !m.startsWith('PREPARE'))).toHaveLength(1);
        const { rows } = await pool.query(`SELECT id, last_error FROM outbox WHERE id = ANY($1::uuid[])`, [ids]);
        expect(Object.fromEntries(rows.map((r) => [r.id, r.last_error]))).toEqual({ [ids[0]]: 'primera', [ids[1]]: "con 'comillas', \\ y ñ", [ids[3]]: 'binaria' });
        const prepared = await single.query(`SELECT array_agg(name::text) AS names FROM pg_prepared_statements`);
        expect(prepared.rows[0].names).toEqual(expect.arrayContaining(['govflow_test_outbox_row_tx', 'govflow_test_outbox_row']));
      } finally {
        await single.end();
      }
    });

    it('commits a new stream and a next event, each with its writes, as one message, and fills in the positions', async () => {
      const single = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
      const one = new EventStore(single);
      try {
        // Once per connection: the statements get PREPAREd on first use.
        const warm = `test-${randomUUID()}`;
        const w = await one.transaction(async (tx) => tx.stage({ streamId: warm, streamType: 'test', expectedVersion: 0, events: [event(0)] }));
        await one.transaction(async (tx) => tx.stage({ streamId: warm, streamType: 'test', expectedVersion: 1, expectedHead: w.head, events: [event(1)] }));

        const client = await single.connect();
        const { sent } = recordMessages(client);
        client.release();

        const streamId = `test-${randomUUID()}`;
        const [ids, results] = [[randomUUID(), randomUUID()], [] as Awaited<ReturnType<EventStore['append']>>[]];
        results.push(
          await one.transaction(async (tx) => {
            outboxRow(tx, ids[0]);
            return tx.stage({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
          }),
        );
        results.push(
          await one.transaction(async (tx) => {
            const staged = tx.stage({ streamId, streamType: 'test', expectedVersion: 1, expectedHead: results[0].head, events: [event(2)] });
            expect(staged.events[0].position).toBe(''); // not sent yet
            outboxRow(tx, ids[1]);
            return staged;
          }),
        );
        // The whole transaction in one message: PostgreSQL runs it as one, so BEGIN and COMMIT are not needed.
        expect(sent).toHaveLength(2);
        for (const message of sent) {
          expect(message).toContain('EXECUTE govflow_append_');
          expect(message).not.toMatch(/BEGIN|COMMIT/);
        }

        const stored = await one.readStream(streamId);
        expect(results.flatMap((r) => r.events).map((e) => [e.version, e.position, e.prevHash, e.hash])).toEqual(
          stored.map((e) => [e.version, e.position, e.prevHash, e.hash]),
        );
        for (const e of stored) expect(chainHash(e.prevHash, e)).toBe(e.hash);
        expect(results[1]).toMatchObject({ streamId, version: 2, head: stored[1].hash });
        expect((await pool.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [ids])).rows[0].n).toBe(2);
      } finally {
        await single.end();
      }
    });

    it('opens the transaction with BEGIN when a query comes first, and ends the last message with COMMIT', async () => {
      const streamId = `test-${randomUUID()}`;
      const id = randomUUID();
      const client = await pool.connect();
      const { sent, stop } = recordMessages(client);
      try {
        const tx = new EventStoreTransaction(client);
        await tx.query(`SELECT 1`);
        tx.stage({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        outboxRow(tx, id);
        await tx.commit();
      } finally {
        stop();
        client.release();
      }
      expect(sent[0]).toBe('BEGIN');
      expect(sent[sent.length - 1]).toMatch(/^EXECUTE govflow_append_new_stream_tx [\s\S]*;\nCOMMIT$/);
      expect(await countsOf(streamId, id)).toEqual({ events: 1, version: 1, outbox: 1 });
    });

    it('lets a query after a staged append see its events, whose positions are then known', async () => {
      const streamId = `test-${randomUUID()}`;
      await store.transaction(async (tx) => {
        const staged = tx.stage({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1), event(2)] });
        const { rows } = await tx.query(`SELECT position::text AS position FROM events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
        expect(rows.map((r) => r.position)).toEqual(staged.events.map((e) => e.position));
        expect(staged.events.every((e) => e.position !== '')).toBe(true);
      });
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1, 2]);
    });

    it('refuses a stream that exists, and a stale version or head, with VersionConflict; nothing of the transaction stays', async () => {
      const streamId = `test-${randomUUID()}`;
      const first = await store.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      const stale = [
        { expectedVersion: 0 },
        { expectedVersion: 0, events: [event(2), event(3)] },
        { expectedVersion: 2, expectedHead: first.head },
        { expectedVersion: 1, expectedHead: 'ab'.repeat(32) },
        { expectedVersion: 1, expectedHead: 'ab'.repeat(32), events: [event(2), event(3)] },
      ];
      for (const attempt of stale) {
        const outboxId = randomUUID();
        await expect(
          store.transaction(async (tx) => {
            tx.stage({ streamId, streamType: 'test', events: [event(2)], ...attempt });
            outboxRow(tx, outboxId);
          }),
        ).rejects.toBeInstanceOf(VersionConflict);
        expect(await countsOf(streamId, outboxId)).toEqual({ events: 1, version: 1, outbox: 0 });
      }
      // The connections went back to the pool clean: the right expectation still works.
      await store.transaction(async (tx) => tx.stage({ streamId, streamType: 'test', expectedVersion: 1, expectedHead: first.head, events: [event(2)] }));
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1, 2]);
    });

    it('names the stream that lost when several staged appends share a message', async () => {
      const [fresh, taken] = [`test-${randomUUID()}`, `test-${randomUUID()}`];
      const existing = await store.append({ streamId: taken, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      for (const stale of [{ expectedVersion: 0 }, { expectedVersion: 1, expectedHead: 'cd'.repeat(32) }]) {
        const refused = store.transaction(async (tx) => {
          tx.stage({ streamId: fresh, streamType: 'test', expectedVersion: 0, events: [event(1)] });
          tx.stage({ streamId: taken, streamType: 'test', events: [event(2)], ...stale });
        });
        await expect(refused).rejects.toBeInstanceOf(VersionConflict);
        await expect(refused).rejects.toThrow(taken);
      }
      expect(await store.readStream(fresh)).toEqual([]);
      expect((await store.readStream(taken)).map((e) => e.hash)).toEqual([existing.head]);
    });

    it('lets exactly one of 30 concurrent staged appends with the same expected version win', async () => {
      const streamId = `test-${randomUUID()}`;
      const first = await store.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          store.transaction(async (tx) => tx.stage({ streamId, streamType: 'test', expectedVersion: 1, expectedHead: first.head, events: [event(i)] })),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflict);
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1, 2]);
    });

    it('sends staged appends as parameters when a write waiting with them cannot be a literal', async () => {
      const streamId = `test-${randomUUID()}`;
      const id = randomUUID();
      const staged = await store.transaction(async (tx) => {
        tx.write(`INSERT INTO outbox (id, kind, payload, last_error) VALUES ($1, 'notification', '{}', $2)`, [id, Buffer.from('binary')]);
        return tx.stage({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      });
      const stored = await store.readStream(streamId);
      expect(staged.events.map((e) => e.position)).toEqual(stored.map((e) => e.position));
      expect((await pool.query(`SELECT last_error FROM outbox WHERE id = $1`, [id])).rows[0].last_error).toBe('binary');
      const outboxId = randomUUID();
      await expect(
        store.transaction(async (tx) => {
          tx.write(`INSERT INTO outbox (id, kind, payload, last_error) VALUES ($1, 'notification', '{}', $2)`, [outboxId, Buffer.from('binary')]);
          tx.stage({ streamId, streamType: 'test', expectedVersion: 0, events: [event(2)] });
        }),
      ).rejects.toBeInstanceOf(VersionConflict);
      expect(await countsOf(streamId, outboxId)).toEqual({ events: 1, version: 1, outbox: 0 });
    });
  });

  describe('round trips: BEGIN with the first statement, writes with the next statement or COMMIT', () => {
    // Text that a literal must carry exactly: quotes, backslashes, what looks like SQL, $n, emoji, newlines.
    const awkward = ["O'Brien", 'C:\\temp\\new', "E'\\x00'", '$$; DROP TABLE events; --', '$1 $2', 'ñandú 🇬🇹\r\n\ttab', '{"a":[1,"b"]}', ''];
    const outboxRow = (tx: { write(sql: string, params?: unknown[]): void }, id: string, payload: unknown) =>
      tx.write(`INSERT INTO outbox (id, kind, payload) VALUES ($1, 'notification', $2)`, [id, JSON.stringify(payload)]);

    it('stores awkward text exactly, in events (hash chain intact) and in deferred writes', async () => {
      const streamId = `test-${randomUUID()}-'\\-ñ`;
      const ids = awkward.map(() => randomUUID());
      const appended = await store.transaction(async (tx) => {
        const first = await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: awkward.map((text, n) => ({ ...event(n), data: { n, text } })) });
        awkward.forEach((text, i) => outboxRow(tx, ids[i], { text, list: [text, null, 1.5] }));
        return first;
      });
      const stored = await store.readStream(streamId);
      expect(stored.map((e) => (e.data as { text: string }).text)).toEqual(awkward);
      for (const e of stored) expect(chainHash(e.prevHash, e)).toBe(e.hash);
      expect(appended.head).toBe(stored[stored.length - 1].hash);
      const { rows } = await pool.query(`SELECT id, payload FROM outbox WHERE id = ANY($1::uuid[])`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, r.payload]));
      awkward.forEach((text, i) => expect(byId.get(ids[i])).toEqual({ text, list: [text, null, 1.5] }));
    });

    it('writes arrays (unnest), NULLs and timestamps as parameters would', async () => {
      const ids = [randomUUID(), randomUUID()];
      await store.transaction(async (tx) => {
        await tx.append({ streamId: `test-${randomUUID()}`, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        tx.write(
          `INSERT INTO outbox (id, kind, payload, next_attempt_at, last_error) SELECT i, 'notification', '{}', t, e FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS u(i, t, e)`,
          [ids, ['2024-12-31T14:00:00.000Z', new Date('2025-01-01T00:00:00Z')], ['a "quoted", {braced} \\ value', null]],
        );
      });
      const { rows } = await pool.query(`SELECT id, next_attempt_at, last_error FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY next_attempt_at`, [ids]);
      expect(rows.map((r) => [r.id, r.next_attempt_at.toISOString(), r.last_error])).toEqual([
        [ids[0], '2024-12-31T14:00:00.000Z', 'a "quoted", {braced} \\ value'],
        [ids[1], '2025-01-01T00:00:00.000Z', null],
      ]);
    });

    it('lets a query see the writes before it, and commits them with the events', async () => {
      const streamId = `test-${randomUUID()}`;
      const id = randomUUID();
      const seen = await store.transaction(async (tx) => {
        await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
        outboxRow(tx, id, { step: 1 });
        const { rows } = await tx.query(`SELECT payload FROM outbox WHERE id = $1`, [id]);
        return rows[0]?.payload;
      });
      expect(seen).toEqual({ step: 1 });
      expect((await pool.query(`SELECT count(*)::int AS n FROM outbox WHERE id = $1`, [id])).rows[0].n).toBe(1);
    });

    it('fails the whole transaction when a deferred write fails at COMMIT: no event, no stream, no row', async () => {
      const streamId = `test-${randomUUID()}`;
      const id = randomUUID();
      await expect(
        store.transaction(async (tx) => {
          await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
          outboxRow(tx, id, { ok: true });
          outboxRow(tx, id, { duplicate: true }); // the same primary key: fails when sent
        }),
      ).rejects.toMatchObject({ code: '23505' });
      const counts = await pool.query(
        `SELECT (SELECT count(*) FROM events WHERE stream_id = $1)::int AS events, (SELECT count(*) FROM streams WHERE stream_id = $1)::int AS streams,
                (SELECT count(*) FROM outbox WHERE id = $2)::int AS outbox`,
        [streamId, id],
      );
      expect(counts.rows[0]).toEqual({ events: 0, streams: 0, outbox: 0 });
      // The connection went back to the pool clean: the next transaction works.
      await store.transaction((tx) => tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] }));
    });

    it('sends text with NUL as a parameter, where PostgreSQL refuses it, and leaves nothing behind', async () => {
      const streamId = `test-${randomUUID()}`;
      const id = randomUUID();
      await expect(
        store.transaction(async (tx) => {
          await tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
          tx.write(`INSERT INTO outbox (id, kind, payload, last_error) VALUES ($1, 'notification', '{}', $2)`, [id, 'nul \u0000 inside']);
        }),
      ).rejects.toMatchObject({ code: '22021' });
      expect((await pool.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [streamId])).rows[0].n).toBe(0);
      await expect(store.transaction((tx) => tx.append({ streamId: `nul-\u0000-${randomUUID()}`, streamType: 'test', expectedVersion: 0, events: [event(1)] }))).rejects.toMatchObject({
        code: '22021',
      });
    });

    it('turns a lost race into VersionConflict through transaction() and through a lone append', async () => {
      const streamId = `test-${randomUUID()}`;
      await store.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] });
      await expect(store.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] })).rejects.toBeInstanceOf(VersionConflict);
      await expect(store.transaction((tx) => tx.append({ streamId, streamType: 'test', expectedVersion: 0, events: [event(1)] }))).rejects.toBeInstanceOf(VersionConflict);
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1]);
    });

    it('sends nothing for a transaction that does nothing, and writes alone still commit', async () => {
      await expect(store.transaction(async () => 'nothing')).resolves.toBe('nothing');
      const id = randomUUID();
      await store.transaction(async (tx) => outboxRow(tx, id, { alone: true }));
      expect((await pool.query(`SELECT payload FROM outbox WHERE id = $1`, [id])).rows[0].payload).toEqual({ alone: true });
    });
  });
});
