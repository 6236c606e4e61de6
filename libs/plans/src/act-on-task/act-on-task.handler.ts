import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { NotFound, allowedTaskActions, checkTaskAccess, checkTaskInput, decideTask, isTaskAction, taskStreamId } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore } from '@govflow/event-store';
import { checkIfMatch, etagOf, validateDto } from '@govflow/http';
import { OutboxSignal } from '@govflow/notifications';
import { TaskView, toTaskView } from '@govflow/tasks';
import { commandContext, plain } from '../command-meta';
import { IdempotencyStore } from '../idempotency';
import { PlanRepository } from '../plan.repository';
import { ActOnTaskCommand } from './act-on-task.command';
import { appendToTask, foldTask, taskNotFound } from './task-recording';
import { TaskActionRequest } from './task-action.request.dto';

/** load -> who may (403) -> what the request carries (400) -> If-Match (412) -> decide (409) -> one transaction. */
@CommandHandler(ActOnTaskCommand)
export class ActOnTaskHandler implements ICommandHandler<ActOnTaskCommand> {
  private readonly logger = new Logger(ActOnTaskHandler.name);

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: OutboxSignal,
  ) {}

  execute({ taskId, action, body, ifMatch, meta }: ActOnTaskCommand) {
    const { actor } = meta;
    return this.idempotency.once<TaskView>({ actorId: actor.id, commandId: meta.idempotencyKey, fingerprint: meta.fingerprint }, async (record) => {
      const events = await this.store.readStream(taskStreamId(taskId));
      const task = foldTask(events);
      if (!task) throw taskNotFound(taskId);
      if (!isTaskAction(action)) throw new NotFound({ es: `La acción «${action}» no existe para tareas.`, en: `There is no task action "${action}".` });
      const [mesa, { state: plan }] = await Promise.all([this.directory.getMesa(task.mesa), this.plans.load(task.planId)]);
      const decision = { actor, mesa, now: meta.now.toISOString(), planStatus: plan.status };
      checkTaskAccess(task, action, decision);
      const command = { action, ...plain(validateDto(TaskActionRequest, body ?? {})) };
      checkTaskInput(task, command, decision);
      checkIfMatch(ifMatch, task.version, 'task');
      const decided = decideTask(task, command, decision);
      const ctx = commandContext(meta, meta.idempotencyKey ?? randomUUID());
      let notified = 0;
      const answer = await this.store.transaction(async (tx) => {
        const recorded = appendToTask(tx, { task, head: events[events.length - 1].hash }, decided, ctx, { plan, mesa });
        const after = recorded.after;
        notified = recorded.notified;
        const view = { ...toTaskView(after, meta.now), allowedActions: allowedTaskActions(after, decision) };
        const answer = { status: 200, body: view, etag: etagOf(after.version) };
        record(tx, answer);
        return answer;
      });
      if (notified > 0) this.outbox.written();
      this.logger.log({ correlationId: meta.correlationId, commandId: ctx.commandId, taskId, action, version: answer.body.version }, 'task action recorded');
      return answer;
    });
  }
}
