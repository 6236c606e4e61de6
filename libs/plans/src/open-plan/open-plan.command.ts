import { Command } from '@nestjs/cqrs';
import { CommandAnswer } from '../idempotency';
import { CommandMeta } from '../command-meta';
import { PlanView } from '../plan.view';

/** Open a plan in a table: the drafting institution is the caller's. */
export class OpenPlanCommand extends Command<CommandAnswer<PlanView>> {
  constructor(
    readonly body: unknown,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
