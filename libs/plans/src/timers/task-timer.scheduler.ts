import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Actor, TimerKind, decideTimer, taskStreamId } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore } from '@govflow/event-store';
import { OutboxSignal } from '@govflow/notifications';
import { appendToTask, foldTask } from '../act-on-task/task-recording';
import { PlanRepository } from '../plan.repository';

/** The time, injectable: tests drive timers with their own clock instead of waiting. */
export interface Clock {
  now(): Date;
}
export const CLOCK = Symbol('CLOCK');
export const systemClock: Clock = { now: () => new Date() };

/** Who records timer events. */
export const TIMER_ACTOR: Actor = { id: 'govflow-timers', name: 'Temporizador de govflow', entity: null, roles: [] };

const PASS_MS = 5_000;

/**
 * Fires due timers. Each timer is claimed with SKIP LOCKED and marked fired in the same
 * transaction that records its event and notification, so two processes never fire it twice.
 * The reminder goes to whoever is responsible when it fires, so a reassignment re-plans it.
 */
@Injectable()
export class TaskTimerScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskTimerScheduler.name);
  private interval?: NodeJS.Timeout;

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly outbox: OutboxSignal,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.interval = setInterval(() => void this.fireDue().catch((error) => this.logger.warn({ err: error }, 'timer pass failed')), PASS_MS);
    this.interval.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.interval);
  }

  /** Fires every timer due at `now`; returns how many fired (including those with nothing left to say). */
  async fireDue(now: Date = this.clock.now()): Promise<number> {
    let fired = 0;
    for (;;) {
      let notified = 0;
      const one = await this.store.transaction(async (tx) => {
        const { rows } = await tx.query<{ task_id: string; kind: TimerKind }>(
          `SELECT task_id, kind FROM task_timers WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [now.toISOString()],
        );
        if (!rows[0]) return false;
        const { task_id: taskId, kind } = rows[0];
        const stream = await this.store.readStream(taskStreamId(taskId));
        const task = foldTask(stream);
        if (task) {
          const decided = decideTimer(task, kind, now);
          if (decided.length > 0) {
            const ctx = { actor: TIMER_ACTOR, now: now.toISOString(), commandId: randomUUID(), correlationId: `timer:${kind}` };
            const [mesa, { state: plan }] = await Promise.all([this.directory.getMesa(task.mesa), this.plans.load(task.planId)]);
            notified = appendToTask(tx, { task, head: stream[stream.length - 1].hash }, decided, ctx, { plan, mesa }).notified;
          }
        }
        tx.write(`UPDATE task_timers SET fired_at = $3 WHERE task_id = $1 AND kind = $2`, [taskId, kind, now.toISOString()]);
        return true;
      });
      // After the commit, so that the relay or dispatcher it wakes finds the rows.
      if (notified > 0) this.outbox.written();
      if (!one) return fired;
      fired++;
    }
  }
}
