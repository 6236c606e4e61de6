import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Actor, TimerKind, decideTimer, planIsClosed, taskStreamId } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { EventStore, PeriodicPass } from '@govflow/event-store';
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
export class TaskTimerScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskTimerScheduler.name);
  private readonly periodic = new PeriodicPass(
    PASS_MS,
    (isStopping) => this.fireDue(this.clock.now(), isStopping),
    (error) => this.logger.warn({ err: error }, 'timer pass failed'),
  );

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly outbox: OutboxSignal,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.taskTimers) this.periodic.start();
  }

  /** Before the pool closes: the timer in hand is fired and committed, the rest wait for the next start. */
  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /**
   * Fires every timer due at `now`, one transaction each, until none is due or `isStopping()`;
   * returns how many fired (including those with nothing left to say).
   */
  async fireDue(now: Date = this.clock.now(), isStopping: () => boolean = () => false): Promise<number> {
    let fired = 0;
    while (!isStopping()) {
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
            // A finished plan's tasks are frozen: no reminder, no escalation.
            if (!planIsClosed(plan.status)) notified = appendToTask(tx, { task, head: stream[stream.length - 1].hash }, decided, ctx, { plan, mesa }).notified;
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
    return fired;
  }
}
