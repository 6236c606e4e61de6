import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable timers: reminders 7 days before a task's due date and on it, escalation at 15 days
 * overdue. They live in PostgreSQL, so they survive restarts and work in both run modes; a
 * timer fires once (claimed with SKIP LOCKED and marked fired in the transaction that records
 * its event).
 */
export class TaskTimers1732406640000 implements MigrationInterface {
  name = 'TaskTimers1732406640000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE task_timers (
        task_id  uuid NOT NULL,
        kind     text NOT NULL CHECK (kind IN ('reminder-7-days', 'reminder-due-date', 'escalation-15-days')),
        due_at   timestamptz NOT NULL,
        fired_at timestamptz,
        PRIMARY KEY (task_id, kind)
      )`);
    await q.query(`CREATE INDEX task_timers_due ON task_timers (due_at) WHERE fired_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE task_timers`);
  }
}
