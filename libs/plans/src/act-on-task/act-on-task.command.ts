import { Command } from '@nestjs/cqrs';
import { TaskView } from '@govflow/tasks';
import { CommandAnswer } from '../idempotency';
import { CommandMeta } from '../command-meta';

/** A task action: start, report-progress, deliver, validate, return, block, unblock, reassign, cancel. */
export class ActOnTaskCommand extends Command<CommandAnswer<TaskView>> {
  constructor(
    readonly taskId: string,
    readonly action: string,
    readonly body: unknown,
    readonly ifMatch: number | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
