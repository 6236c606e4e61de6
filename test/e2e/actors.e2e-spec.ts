import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import request from 'supertest';
import { PG_POOL } from '@govflow/event-store';
import { ADMIN_TOKEN, TestTable, bearer, createTable, startApi } from '../support/app';

/** An admin revokes a person's access: the token stops working at once, the history keeps who did it and why. */
describe('revoking a person’s access', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let t: TestTable;
  const admin = bearer(ADMIN_TOKEN);

  beforeAll(async () => {
    app = await startApi({ REDIS_URL: undefined });
    http = request(app.getHttpServer());
    t = await createTable(app);
  });
  afterAll(() => app.close());

  const newPerson = async () =>
    (await http.post('/v1/actors').set(admin).send({ name: 'Ana Pérez', entity: t.members[0], roles: ['official'] }).expect(201)).body as { id: string; token: string };

  it('stops the token at once, records the revocation with its rationale, and keeps the person', async () => {
    const person = await newPerson();
    await http.get('/v1/entities').set(bearer(person.token)).expect(200); // resolved, and now cached
    const revoked = await http.post(`/v1/actors/${person.id}/revoke`).set(admin).send({ rationale: '  Dejó de laborar en la institución.  ' }).expect(200);
    expect(revoked.body).toMatchObject({ id: person.id, name: 'Ana Pérez', entity: t.members[0], roles: ['official'] });
    expect(Date.parse(revoked.body.revokedAt)).not.toBeNaN();
    const refused = await http.get('/v1/entities').set(bearer(person.token)).expect(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');

    const pool = app.get<Pool>(PG_POOL);
    const { rows } = await pool.query(`SELECT type, metadata FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`actor-${person.id}`]);
    expect(rows.map((r) => r.type)).toEqual(['actor.registered', 'actor.revoked']);
    expect(rows[1].metadata).toMatchObject({ rationale: 'Dejó de laborar en la institución.' });
    const kept = await pool.query(`SELECT name, revoked_at FROM actors WHERE id = $1`, [person.id]);
    expect(kept.rows[0].name).toBe('Ana Pérez');
    expect(kept.rows[0].revoked_at.toISOString()).toBe(revoked.body.revokedAt);

    const again = await http.post(`/v1/actors/${person.id}/revoke`).set(admin).send({ rationale: 'Otra vez' }).expect(409);
    expect(again.body.code).toBe('INVALID_TRANSITION');
    expect(again.body.detail).toContain('ya fue revocado');
  });

  it('refuses non-admins, unknown people and a missing rationale, changing nothing', async () => {
    const person = await newPerson();
    const coordinator = bearer(t.tokens[t.coordinator]);
    expect((await http.post(`/v1/actors/${person.id}/revoke`).set(coordinator).send({ rationale: 'No' }).expect(403)).body.code).toBe('FORBIDDEN');
    await http.post(`/v1/actors/${person.id}/revoke`).send({ rationale: 'No' }).expect(401);
    await http.post(`/v1/actors/${randomUUID()}/revoke`).set(admin).send({}).expect(404); // 404 before 400
    await http.post('/v1/actors/not-a-uuid/revoke').set(admin).send({ rationale: 'x' }).expect(404);
    for (const body of [{}, { rationale: '   ' }, { rationale: 'ok', extra: 1 }, { rationale: 42 }]) {
      const bad = await http.post(`/v1/actors/${person.id}/revoke`).set(admin).send(body).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    }
    await http.get('/v1/entities').set(bearer(person.token)).expect(200);
  });

  it('keeps auditors read-only: an actor cannot be both an auditor and someone who decides', async () => {
    for (const roles of [['auditor', 'official'], ['admin', 'auditor']]) {
      const refused = await http.post('/v1/actors').set(admin).send({ name: 'Doble función', entity: t.reviewer, roles }).expect(400);
      expect(refused.body.errors).toEqual([{ field: 'roles', message: expect.stringContaining('Un auditor solo lee') }]);
    }
    const recorded = await app.get<Pool>(PG_POOL).query(`SELECT count(*)::int AS n FROM actors WHERE entity = $1 AND name = 'Doble función'`, [t.reviewer]);
    expect(recorded.rows[0].n).toBe(0);
    await http.post('/v1/actors').set(admin).send({ name: 'Solo auditoría', entity: t.reviewer, roles: ['auditor'] }).expect(201);
  });
});
