import { MigrationInterface, QueryRunner } from 'typeorm';

/** Read models, written in the same transaction as the events and rebuildable from them. */
export class Projections1732406460000 implements MigrationInterface {
  name = 'Projections1732406460000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE entities (
        code       text PRIMARY KEY,
        name       text NOT NULL,
        kind       text,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE mesas (
        code               text PRIMARY KEY,
        name               text NOT NULL,
        coordinator        text NOT NULL,
        technical_reviewer text NOT NULL,
        members            text[] NOT NULL,
        invited            text[] NOT NULL,
        workflow           text NOT NULL,
        created_at         timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE actors (
        id         uuid PRIMARY KEY,
        name       text NOT NULL,
        entity     text,
        roles      text[] NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    // Not a projection: secrets never enter events, so credentials live apart.
    await q.query(`
      CREATE TABLE actor_credentials (
        token_hash bytea PRIMARY KEY,
        actor_id   uuid NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE plans (
        id         uuid PRIMARY KEY,
        mesa       text NOT NULL,
        status     text NOT NULL,
        version    integer NOT NULL,
        revision   integer NOT NULL,
        title      text NOT NULL,
        drafter    text NOT NULL,
        state      jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX plans_mesa_status ON plans (mesa, status)`);
    await q.query(`CREATE INDEX plans_created ON plans (created_at, id)`);
    await q.query(`
      CREATE TABLE tasks (
        id         uuid PRIMARY KEY,
        plan_id    uuid NOT NULL,
        mesa       text NOT NULL,
        entity     text NOT NULL,
        status     text NOT NULL,
        due_date   date NOT NULL,
        version    integer NOT NULL,
        state      jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX tasks_plan ON tasks (plan_id)`);
    await q.query(`CREATE INDEX tasks_entity_status ON tasks (entity, status)`);
    await q.query(`CREATE INDEX tasks_mesa ON tasks (mesa)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['tasks', 'plans', 'actor_credentials', 'actors', 'mesas', 'entities']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
