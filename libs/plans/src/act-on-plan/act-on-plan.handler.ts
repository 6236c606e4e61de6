import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import {
  NotFound,
  PlanActionCommand,
  PlanContext,
  TaskRecordedEvent,
  TaskState,
  authorizeAction,
  checkActionAccess,
  decideAction,
  evolveTask,
  isPlanAction,
  taskStreamId,
  tasksForImplementation,
} from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore, envelope } from '@govflow/event-store';
import { checkIfMatch, etagOf, validateDto } from '@govflow/http';
import { TaskQueries, upsertTask } from '@govflow/tasks';
import { OutboxSignal, planFacts, recordNotifications, taskFacts } from '@govflow/notifications';
import { commandContext, plain, viewFor } from '../command-meta';
import { IdempotencyStore } from '../idempotency';
import { PlanView } from '../plan.view';
import { appendToPlan } from '../plan.projection';
import { PlanRepository, definitionOf } from '../plan.repository';
import { PlanActionRequest } from './plan-action.request.dto';
import { planTaskTimers } from '../act-on-task/task-recording';
import { ActOnPlanCommand } from './act-on-plan.command';

/**
 * load -> who may (403) -> what the request carries (400) -> If-Match (412) -> decide (409)
 * -> one transaction: plan events, task streams, projections, idempotency record.
 */
@CommandHandler(ActOnPlanCommand)
export class ActOnPlanHandler implements ICommandHandler<ActOnPlanCommand> {
  private readonly logger = new Logger(ActOnPlanHandler.name);

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly tasks: TaskQueries,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: OutboxSignal,
  ) {}

  execute({ planId, action, body, ifMatch, meta }: ActOnPlanCommand) {
    const { actor } = meta;
    return this.idempotency.once<PlanView>({ actorId: actor.id, commandId: meta.idempotencyKey, fingerprint: meta.fingerprint }, async (record) => {
      const { state, head } = await this.plans.load(planId);
      if (!isPlanAction(action)) {
        throw new NotFound({ es: `La acción «${action}» no existe para planes.`, en: `There is no plan action "${action}".` });
      }
      const mesa = await this.directory.getMesa(state.mesa);
      const definition = definitionOf(state.definition);
      const decision: PlanContext = { actor, mesa, now: meta.now.toISOString() };
      checkActionAccess(definition, state, action, decision);
      const request = plain(validateDto(PlanActionRequest, body ?? {}));
      if (action === 'complete') decision.openTasks = await this.tasks.countOpen(planId);
      const command: PlanActionCommand = { action, ...request };
      if (action === 'record-presentation') {
        command.taskIds = state.content.commitments.flatMap((c) => c.milestones.map(() => randomUUID()));
      }
      authorizeAction(definition, state, command, decision);
      checkIfMatch(ifMatch, state.version);
      const events = decideAction(definition, state, command, decision);
      const ctx = commandContext(meta, meta.idempotencyKey ?? randomUUID());

      let notified = 0;
      const answer = await this.store.transaction(async (tx) => {
        const { after, appended } = appendToPlan(tx, { state, head }, events, ctx);
        const told = appended.events.map((event) => ({ event, facts: planFacts(event, after, mesa) }));
        if (state.status !== 'implementation' && after.status === 'implementation') {
          // The tasks name the plan event that caused them by its position: send the plan's events first.
          await tx.flush();
          const causation = { ...ctx, causationId: appended.events[appended.events.length - 1].position };
          for (const task of tasksForImplementation(after)) {
            const created = tx.stage({
              streamId: taskStreamId(task.taskId),
              streamType: 'task',
              expectedVersion: 0,
              events: envelope(task.events, causation),
            });
            const taskState = created.events.reduce<TaskState | null>((s, e) => evolveTask(s, e as TaskRecordedEvent), null)!;
            upsertTask(tx, taskState);
            planTaskTimers(tx, taskState.id, taskState.dueDate);
            told.push(...created.events.map((event) => ({ event, facts: taskFacts(event, taskState, after, mesa) })));
          }
        }
        notified = recordNotifications(tx, told).notifications;
        const answer = { status: 200, body: viewFor(definition, after, actor, mesa, meta.now), etag: etagOf(after.version) };
        record(tx, answer);
        return answer;
      });
      if (notified > 0) this.outbox.written();
      this.logger.log({ correlationId: meta.correlationId, commandId: ctx.commandId, planId, action, version: answer.body.version }, 'plan action recorded');
      return answer;
    });
  }
}
