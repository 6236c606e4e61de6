import { INestApplication } from '@nestjs/common';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { canonicalJson } from '@govflow/domain';
import { chainHash } from '@govflow/event-store';
import { OfflineReport, SIGNING_KEY, SigningKey, sealPayload, verifyExportFile } from '@govflow/audit';
import { ADMIN_TOKEN, TestTable, bearer, createTable, getText, planBody, readmeVerifyScript, startApi } from '../support/app';
import { run, runCli } from '../support/processes';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

/**
 * An auditor's attempts to pass off an altered export, each against the CLI's verifier and the
 * README's script. An edit to the file breaks its seal; the edits a server with a tampered
 * database would export, sealed with the real key, must be caught by the checkpoints.
 */
describe('audit: an altered export does not verify offline', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  let db: ScratchDatabase;
  let dir: string;
  let key: string;
  let script: string;
  let lines: string[];
  let stream: string;
  let plan: string;

  const exportOf = async (query = '') => (await getText(http, `/v1/audit/export${query}`, t.auditor).expect(200)).body as string;

  beforeAll(async () => {
    db = await scratchDatabase('govflow_export');
    app = await startApi({ REDIS_URL: undefined }, db.url);
    http = request(app.getHttpServer());
    t = await createTable(app);
    const drafter = bearer(t.tokens[t.members[0]]);
    for (let i = 0; i < 2; i++) {
      plan = (await http.post('/v1/plans').set(drafter).send(planBody(t)).expect(201)).body.id;
      await http.post(`/v1/plans/${plan}/actions/submit`).set(drafter).expect(200);
      await http
        .post(`/v1/plans/${plan}/actions/request-changes`)
        .set(bearer(t.tokens[t.reviewer]))
        .send({ rationale: 'Faltan indicadores', observations: [{ text: 'Agregar indicadores', blocking: false }] })
        .expect(200);
    }
    stream = `plan-${plan}`;
    await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).expect(201);
    // one decision after the checkpoint: protected by the seal alone
    await http.post(`/v1/plans/${plan}/actions/submit`).set(drafter).expect(200);
    dir = mkdtempSync(join(tmpdir(), 'govflow-export-'));
    key = join(dir, 'govflow.pem');
    writeFileSync(key, (await http.get('/v1/audit/public-key').set(bearer(t.auditor)).expect(200)).body.publicKey);
    script = join(dir, 'verify-export.js');
    writeFileSync(script, readmeVerifyScript());
    lines = (await exportOf()).trimEnd().split('\n');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  /** Writes the lines (a trailing line feed added) and runs both verifiers on them. */
  const verifyLines = async (content: string[] | string): Promise<{ report: OfflineReport; script: { code: number; stdout: string } }> => {
    const file = join(dir, `export-${n++}.ndjson`);
    writeFileSync(file, typeof content === 'string' ? content : `${content.join('\n')}\n`);
    const report = await verifyExportFile(file, readFileSync(key, 'utf8'));
    const result = await run(process.execPath, [script, file, key]);
    return { report, script: { code: result.code, stdout: result.stdout } };
  };
  /** Seals the lines again with the server's own key: what a server would export from a database someone rewrote. */
  const resealed = (content: string[]): string[] => {
    const body = content.slice(0, -1);
    const old = JSON.parse(content[content.length - 1]);
    const digest = createHash('sha256');
    for (const line of body) digest.update(`${line}\n`);
    const payload = sealPayload({ ...old, lines: body.length, digest: digest.digest('hex') });
    const signing = app.get<SigningKey>(SIGNING_KEY);
    const signature = sign(null, Buffer.from(canonicalJson(payload), 'utf8'), signing.privateKey).toString('base64');
    return [...body, JSON.stringify({ ...payload, keyId: old.keyId, signature })];
  };
  const indexOf = (streamId: string, version: number) => lines.findIndex((l) => l.includes(`"streamId":"${streamId}","version":${version},`));
  const checkpointAt = () => lines.findIndex((l) => l.startsWith('{"kind":"checkpoint"'));
  const without = (...at: number[]) => lines.filter((_, i) => !at.includes(i));
  const reasons = (report: OfflineReport) => report.failures.map((f) => f.reason).join('\n');

  it('verifies the untouched export, and says what only the seal protects', async () => {
    const { report, script: s } = await verifyLines(lines);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ ok: true, sealed: true, checkpoints: 1 });
    expect(report.signedEvents).toBe(report.events - 1);
    expect(report.notes.join('\n')).toContain('1 evento sin punto de control que los cubra');
    expect([s.code, s.stdout.trim()]).toEqual([0, 'intact']);
    // a byte-order mark or CRLF line ends added on the way change nothing
    expect((await verifyLines(`\uFEFF${lines.join('\r\n')}\r\n`)).report.ok).toBe(true);
  });

  it('verifies exports of a range, which hold only part of what the checkpoint signed', async () => {
    const at = JSON.parse(lines[indexOf(stream, 2)]).recordedAt;
    for (const query of [`?to=${encodeURIComponent(at)}`, `?from=${encodeURIComponent(at)}`, `?from=${encodeURIComponent(at)}&to=${encodeURIComponent(new Date().toISOString())}`]) {
      const { report, script: s } = await verifyLines((await exportOf(query)).trimEnd().split('\n'));
      expect([query, report.failures]).toEqual([query, []]);
      expect(report.notes.join('\n')).toContain('exportación parcial');
      expect([query, s.code]).toEqual([query, 0]);
    }
  });

  // Edits to the file itself: the seal no longer holds.
  it.each([
    ['one byte of a decision after the checkpoint', () => lines.map((l, i) => (i === indexOf(stream, 4) ? l.replace('"version":4', '"version":4 ') : l))],
    ['the last event cut off', () => without(indexOf(stream, 4))],
    ['a whole stream removed and the header made a range', () => without(...lines.map((l, i) => (l.includes(`"streamId":"${stream}"`) ? i : -1))).map((l, i) => (i === 0 ? l.replace('"from":null', '"from":"1970-01-01T00:00:00.000Z"') : l))],
    ['the seal removed', () => lines.slice(0, -1)],
    ['the checkpoint removed', () => without(checkpointAt())],
    ['a line after the seal', () => [...lines, lines[1]]],
  ])('catches %s', async (_what, edit) => {
    const { report, script: s } = await verifyLines(edit());
    expect(report.ok).toBe(false);
    expect(reasons(report)).toMatch(/sello/);
    expect(s.code).toBe(1);
  });

  // What a rewritten database would export, sealed by the server itself: the checkpoint catches it.
  it.each([
    ['the checkpoint moved above the events', () => [lines[0], lines[checkpointAt()], ...without(0, checkpointAt())], /después de los puntos de control|fuera de la primera/],
    ['the first events of a stream deleted', () => without(indexOf(stream, 1), indexOf(stream, 2)), /el flujo empieza en la versión 3/],
    ['a duplicated event', () => [...lines.slice(0, indexOf(stream, 3) + 1), lines[indexOf(stream, 3)].replace(/"position":"\d+"/, '"position":"999998"'), ...lines.slice(indexOf(stream, 3) + 1)], /repetida|orden global/],
    [
      'two events swapped',
      () => {
        const [a, b] = [indexOf(stream, 2), indexOf(stream, 3)];
        return lines.map((l, i) => (i === a ? lines[b] : i === b ? lines[a] : l));
      },
      /orden global|repetida|falta la versión/,
    ],
    ['a signed head rewritten', () => lines.map((l, i) => (i === indexOf(stream, 3) ? l.replace('Faltan indicadores', 'Todo en orden') : l)), /contenido alterado/],
  ])('catches %s, even sealed again with the server key', async (_what, edit, reason) => {
    const { report, script: s } = await verifyLines(resealed(edit()));
    expect(report.sealed).toBe(true);
    expect(report.ok).toBe(false);
    expect(reasons(report)).toMatch(reason);
    expect(s.code).toBe(1);
  });

  it('counts in a note the events no checkpoint covers: after the last one, or committed after it although placed before', async () => {
    // a stream of one event placed among the signed ones, as an event that committed late is
    const source = JSON.parse(lines[indexOf(stream, 1)]);
    const event = { ...source, streamId: 'plan-00000000-0000-4000-8000-000000000000' };
    event.hash = chainHash(event.prevHash, event);
    const at = indexOf(stream, 1);
    const shifted = lines.map((l, i) => (i > at && l.startsWith('{"kind":"event"') ? l.replace(/"position":"(\d+)"/, (_m, p) => `"position":"${Number(p) + 1}"`) : l));
    const placed = [...shifted.slice(0, at + 1), JSON.stringify({ ...event, position: String(Number(source.position) + 1) }), ...shifted.slice(at + 1)];
    const { report, script: s } = await verifyLines(resealed(placed));
    expect(report.failures).toEqual([]);
    expect(report.signedEvents).toBe(report.events - 2);
    expect(report.notes.join('\n')).toContain('2 eventos sin punto de control que los cubra');
    expect(s.code).toBe(0);
  });

  it('with --previous, catches a decision rewritten after the last checkpoint, which a later checkpoint would sign', async () => {
    const earlier = join(dir, 'before-rewrite.ndjson');
    writeFileSync(earlier, `${lines.join('\n')}\n`);
    const last = indexOf(stream, 4);
    const rewritten = lines.map((l, i) => {
      if (i !== last) return l;
      const event = JSON.parse(l);
      event.metadata = { ...event.metadata, rationale: 'Reenviado sin cambios' };
      event.hash = chainHash(event.prevHash, event);
      return JSON.stringify(event);
    });
    const file = join(dir, 'rewritten.ndjson');
    writeFileSync(file, `${resealed(rewritten).join('\n')}\n`);
    const key_ = readFileSync(key, 'utf8');
    expect((await verifyExportFile(file, key_)).ok).toBe(true); // alone, it holds together
    const compared = await verifyExportFile(file, key_, { previous: earlier });
    expect(compared.failures).toEqual([expect.objectContaining({ streamId: stream, version: 4, reason: expect.stringContaining('la exportación anterior tenía este evento y aquí falta o cambió') })]);
    // an earlier "export" that does not verify is no reference
    const garbage = join(dir, 'garbage.ndjson');
    writeFileSync(garbage, '{"kind":"checkpoint"}\n');
    expect(reasons(await verifyExportFile(file, key_, { previous: garbage }))).toContain('la exportación anterior no verifica');
    expect((await verifyExportFile(join(dir, 'export-0.ndjson'), key_, { previous: earlier })).notes.join('\n')).toMatch(/comparada con la exportación anterior: \d+ eventos y 1 puntos de control/);
  });

  it('signs checkpoints asked for at once one after the other, in order', async () => {
    const signed = await Promise.all(Array.from({ length: 6 }, () => http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN))));
    expect(signed.map((r) => r.status)).toEqual(Array(6).fill(201));
    const { report } = await verifyLines((await exportOf()).trimEnd().split('\n'));
    expect(report.failures).toEqual([]);
    expect(report.checkpoints).toBe(7);
  });

  it('gives a verdict, never a crash, on records of the wrong shape', async () => {
    const event = indexOf(stream, 2);
    for (const broken of [
      lines.map((l, i) => (i === event ? 'null' : l)),
      lines.map((l, i) => (i === event ? l.replace(/"prevHash":"[0-9a-f]+",/, '') : l)),
      lines.map((l, i) => (i === checkpointAt() ? l.replace(/"heads":\[.*\]}$/, '"heads":{}}') : l)),
      lines.map((l, i) => (i === event ? l.replace(/"data":\{/, '"data":{"n":1e999,') : l)),
      [],
      [lines[0]],
    ]) {
      const { report } = await verifyLines(broken);
      expect(report.ok).toBe(false);
      expect(report.failures.length).toBeGreaterThan(0);
    }
  });

  it('fails with the wrong public key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const file = join(dir, 'other-key.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const report = await verifyExportFile(file, other);
    expect(report.ok).toBe(false);
    expect(reasons(report)).toMatch(/la exportación la selló otra clave \([0-9a-f]{16}\), no la indicada \([0-9a-f]{16}\)/);
  });

  // Last: it deletes the checkpoints.
  it('tells an auditor who kept an earlier export that its checkpoints were deleted and the history signed again', async () => {
    const earlier = join(dir, 'earlier.ndjson');
    writeFileSync(earlier, `${lines.join('\n')}\n`);
    // someone with the database drops every checkpoint; the next one is signed over what is left
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: db.url });
    try {
      await pool.query('DELETE FROM checkpoints');
    } finally {
      await pool.end();
    }
    await http.post('/v1/audit/checkpoints').set(bearer(ADMIN_TOKEN)).expect(201);
    const later = join(dir, 'later.ndjson');
    writeFileSync(later, await exportOf());
    expect((await runCli(['verify', later, '--key', key])).code).toBe(0); // alone, it holds together
    const compared = await runCli(['verify', later, '--key', key, '--previous', earlier]);
    expect(compared.code).toBe(1);
    expect(compared.stdout).toContain('el punto de control 1 de la exportación anterior ya no está o cambió');
    expect((await runCli(['verify', later, '--key', key, '--previous'])).code).toBe(2);
  });
});
