import { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import { ADMIN_TOKEN, TestTable, bearer, createTable, getText, planBody, readmeVerifyScript, startApi } from '../support/app';
import { run, runCli } from '../support/processes';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

/**
 * Tampering with rows in SQL is caught by GET /v1/audit/verify, with the exact stream, version
 * and reason. On a database of its own: the other suites sign checkpoints, which a tampered
 * history refuses.
 */
describe('audit: hash-chain verification', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let pool: Pool;
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await scratchDatabase('govflow_audit');
    app = await startApi({ REDIS_URL: undefined }, db.url);
    http = request(app.getHttpServer());
    t = await createTable(app);
    pool = new Pool({ connectionString: db.url });
  });
  afterAll(async () => {
    await app.close();
    await pool.end();
    await db.drop();
  });

  /** Takes a tampered stream out whole (events and head), so that the history verifies again for the next test. */
  const erase = async (streamId: string) => {
    await pool.query(`DELETE FROM events WHERE stream_id = $1`, [streamId]);
    await pool.query(`DELETE FROM streams WHERE stream_id = $1`, [streamId]);
  };

  /** A plan stream of 4 events: opened, submitted, changes requested (with a rationale), submitted. */
  const planStream = async () => {
    const drafter = bearer(t.tokens[t.members[0]]);
    const id = (await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201)).body.id;
    await http.post(`/v1/plans/${id}/actions/submit`).set(drafter).expect(200);
    await http
      .post(`/v1/plans/${id}/actions/request-changes`)
      .set(bearer(t.tokens[t.reviewer]))
      .send({ rationale: 'Faltan indicadores', observations: [{ text: 'Agregar indicadores', blocking: false }] })
      .expect(200);
    await http.post(`/v1/plans/${id}/actions/submit`).set(drafter).expect(200);
    return `plan-${id}`;
  };
  const failuresOf = async (streamId: string) => {
    const res = await http.get('/v1/audit/verify').set(bearer(t.auditor)).expect(200);
    expect(res.body.events).toBeGreaterThan(0);
    return (res.body.failures as { streamId: string; version: number; reason: string }[])
      .filter((f) => f.streamId === streamId)
      .map((f) => [f.version, f.reason]);
  };

  // First in this file: the tests below tamper with the database on purpose.
  it('exports a history that the CLI and the README script verify offline, and both name the event when one byte changes', async () => {
    const stream = await planStream();
    await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).expect(201);
    const dir = mkdtempSync(join(tmpdir(), 'govflow-audit-'));
    try {
      const exported = await getText(http, '/v1/audit/export', t.auditor).expect(200);
      expect(exported.headers['content-type']).toContain('application/x-ndjson');
      const file = join(dir, 'export.ndjson');
      writeFileSync(file, exported.body);
      const key = join(dir, 'govflow.pem');
      writeFileSync(key, (await http.get('/v1/audit/public-key').set(bearer(t.auditor)).expect(200)).body.publicKey);
      const script = join(dir, 'verify-export.js');
      writeFileSync(script, readmeVerifyScript());
      expect(readFileSync(script, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(55);
      const cli = runCli;

      const intactCli = await cli(['verify', file, '--key', key]);
      expect(intactCli.code).toBe(0);
      expect(intactCli.stdout).toMatch(/íntegra \/ intact: \d+ eventos, \d+ flujos, 1 punto de control, \d+ bajo firma, sello válido, 0 fallas/);
      const intactScript = await run(process.execPath, [script, file, key]);
      expect([intactScript.code, intactScript.stdout.trim()]).toEqual([0, 'intact']);

      // one byte of one event: the rationale of this plan's request for changes (version 3)
      const lines = exported.body.split('\n');
      const at = lines.findIndex((l: string) => l.includes(`"streamId":"${stream}"`) && l.includes('"version":3,'));
      expect(lines[at]).toContain('Faltan indicadores');
      lines[at] = lines[at].replace('Faltan indicadores', 'Faltan indicadorez');
      writeFileSync(file, lines.join('\n'));
      const tamperedCli = await cli(['verify', file, '--key', key]);
      expect(tamperedCli.code).toBe(1);
      expect(tamperedCli.stdout).toContain(`línea ${at + 1} ${stream} v3: contenido alterado / altered content`);
      expect(tamperedCli.stdout).toContain('SIN SELLO VÁLIDO');
      const tamperedScript = await run(process.execPath, [script, file, key]);
      expect(tamperedScript.code).toBe(1);
      expect(tamperedScript.stdout).toContain(`line ${at + 1}: ${stream} v3: altered content`);
      expect((await cli(['verify', file])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds nothing wrong in an untouched history, and is for auditors and admins only', async () => {
    const stream = await planStream();
    expect(await failuresOf(stream)).toEqual([]);
    await http.get('/v1/audit/verify').set(bearer(ADMIN_TOKEN)).expect(200);
    await http.get('/v1/audit/verify').set(bearer(t.tokens[t.coordinator])).expect(403);
  });

  it('reports an altered rationale as altered content at its version', async () => {
    const stream = await planStream();
    await pool.query(`UPDATE events SET metadata = jsonb_set(metadata, '{rationale}', '"Todo en orden"') WHERE stream_id = $1 AND stream_version = 3`, [stream]);
    expect(await failuresOf(stream)).toEqual([[3, 'altered content']]);
    await erase(stream);
  });

  it('reports a deleted middle event as a missing version (and the link it broke)', async () => {
    const stream = await planStream();
    await pool.query(`DELETE FROM events WHERE stream_id = $1 AND stream_version = 2`, [stream]);
    expect(await failuresOf(stream)).toEqual([
      [2, 'missing version'],
      [3, 'broken link'],
    ]);
    await erase(stream);
  });

  it("reports a deleted last event as a missing version against the stream's head", async () => {
    const stream = await planStream();
    await pool.query(`DELETE FROM events WHERE stream_id = $1 AND stream_version = 4`, [stream]);
    expect(await failuresOf(stream)).toEqual([[4, 'missing version']]);
    await erase(stream);
  });

  it('signs a scheduled checkpoint when events were recorded since the last one, once a period across processes', async () => {
    const { CheckpointScheduler, CheckpointService } = await import('@govflow/audit');
    const { GOVFLOW_CONFIG } = await import('@govflow/config');
    const { PG_POOL } = await import('@govflow/event-store');
    // as every API process builds it, hourly; another process's checkpoint counts for this one's period
    const hourly = (minutes: number) =>
      new CheckpointScheduler(app.get(PG_POOL), { ...app.get(GOVFLOW_CONFIG), checkpointMinutes: minutes }, app.get(CheckpointService));
    const before = (await pool.query(`SELECT count(*)::int AS n FROM checkpoints`)).rows[0].n;
    await planStream();
    expect(await hourly(60).tick()).toBe(false); // the first test signed one a moment ago
    expect(await hourly(0.01).tick()).toBe(true); // a period of 0.6 s has passed since
    await planStream();
    expect(await hourly(60).tick()).toBe(false); // moved, but the last one is younger than the period
    const latest = (await pool.query(`SELECT count(*)::int AS n, max(last_position)::text AS last FROM checkpoints`)).rows[0];
    expect(latest.n).toBe(before + 1);
    const newest = (await pool.query(`SELECT max(position)::text AS p FROM events`)).rows[0].p;
    // the checkpoint covers every event there was when it was signed
    expect(BigInt(latest.last)).toBeLessThanOrEqual(BigInt(newest));
    expect(BigInt(latest.last)).toBeGreaterThan(0n);
  });

  it('signs checkpoints that verify with the public key, and catches a tail or a whole stream deleted after one', async () => {
    const kept = await planStream();
    const truncated = await planStream();
    const erased = await planStream();
    const created = await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).expect(201);
    await http.post('/v1/audit/checkpoints').set(bearer(t.auditor)).expect(403); // auditors read, never write
    const { publicKey } = (await http.get('/v1/audit/public-key').set(bearer(t.auditor)).expect(200)).body;
    const { canonicalJson } = await import('@govflow/domain');
    const { verify, createPublicKey } = await import('node:crypto');
    const { checkpointPayload } = await import('@govflow/audit');
    const payload = Buffer.from(canonicalJson(checkpointPayload(created.body)));
    expect(verify(null, payload, createPublicKey(publicKey), Buffer.from(created.body.signature, 'base64'))).toBe(true);
    const forged = Buffer.from(canonicalJson({ ...checkpointPayload(created.body), events: created.body.events - 1 }));
    expect(verify(null, forged, createPublicKey(publicKey), Buffer.from(created.body.signature, 'base64'))).toBe(false);
    const listed = await http.get('/v1/audit/checkpoints').set(bearer(t.auditor)).expect(200);
    expect(listed.body.items[0]).toMatchObject({ id: created.body.id, merkleRoot: created.body.merkleRoot });

    // a tail deleted together with the stream's head (so the chain itself looks whole), and a whole stream
    await pool.query(`DELETE FROM events WHERE stream_id = $1 AND stream_version = 4`, [truncated]);
    await pool.query(`UPDATE streams SET version = 3, head_hash = (SELECT hash FROM events WHERE stream_id = $1 AND stream_version = 3) WHERE stream_id = $1`, [truncated]);
    await pool.query(`DELETE FROM events WHERE stream_id = $1`, [erased]);
    await pool.query(`DELETE FROM streams WHERE stream_id = $1`, [erased]);
    expect(await failuresOf(kept)).toEqual([]);
    expect(await failuresOf(truncated)).toEqual([[4, 'deleted after checkpoint']]);
    expect(await failuresOf(erased)).toEqual([[4, 'deleted after checkpoint']]);
  });

  it('reports two swapped events as reordered (and their content no longer matching)', async () => {
    const stream = await planStream();
    // the unique (stream, version) constraint is checked per row: swap through a free version
    await pool.query(`UPDATE events SET stream_version = -2 WHERE stream_id = $1 AND stream_version = 2`, [stream]);
    await pool.query(`UPDATE events SET stream_version = 2 WHERE stream_id = $1 AND stream_version = 3`, [stream]);
    await pool.query(`UPDATE events SET stream_version = 3 WHERE stream_id = $1 AND stream_version = -2`, [stream]);
    const failures = await failuresOf(stream);
    expect(failures).toContainEqual([3, 'reordered events']);
    expect(failures).toContainEqual([2, 'altered content']);
  });

  // Last: the history is tampered with from the tests above on.
  it('refuses to sign a checkpoint over a history that does not verify', async () => {
    expect((await http.get('/v1/audit/verify').set(bearer(t.auditor)).expect(200)).body.ok).toBe(false);
    const before = (await pool.query(`SELECT count(*)::int AS n FROM checkpoints`)).rows[0].n;
    const refused = await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).expect(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/^No se firma un punto de control: la historia no verifica/);
    const { CheckpointScheduler } = await import('@govflow/audit');
    expect(await app.get(CheckpointScheduler).tick()).toBe(false);
    expect((await pool.query(`SELECT count(*)::int AS n FROM checkpoints`)).rows[0].n).toBe(before);
  });

  it('does not believe a checkpoint row edited in the database', async () => {
    const latest = (await pool.query(`SELECT id, heads FROM checkpoints ORDER BY id DESC LIMIT 1`)).rows[0];
    // the heads a forger would want signed: the truncated stream's new head in place of the signed one
    const heads = (latest.heads as { streamId: string; version: number; hash: string }[]).filter((h) => h.version !== 4);
    await pool.query(`UPDATE checkpoints SET heads = $2, streams = $3 WHERE id = $1`, [latest.id, JSON.stringify(heads), heads.length]);
    // and an older one, whose signature no longer holds: every checkpoint is checked, not only the latest
    const first = (await pool.query(`SELECT id FROM checkpoints ORDER BY id LIMIT 1`)).rows[0];
    await pool.query(`UPDATE checkpoints SET signature = reverse(signature) WHERE id = $1`, [first.id]);
    const res = await http.get('/v1/audit/verify').set(bearer(t.auditor)).expect(200);
    expect(res.body.failures).toContainEqual(expect.objectContaining({ streamId: `checkpoint-${latest.id}`, reason: 'checkpoint not authentic' }));
    expect(res.body.failures).toContainEqual(expect.objectContaining({ streamId: `checkpoint-${first.id}`, reason: 'checkpoint not authentic' }));
  });
});
