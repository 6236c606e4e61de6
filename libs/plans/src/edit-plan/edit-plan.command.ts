import { Command } from '@nestjs/cqrs';
import { CommandAnswer } from '../idempotency';
import { CommandMeta } from '../command-meta';
import { PlanView } from '../plan.view';

/** Replace a draft's content (PUT), honouring If-Match. */
export class EditPlanCommand extends Command<CommandAnswer<PlanView>> {
  constructor(
    readonly planId: string,
    readonly body: unknown,
    readonly ifMatch: number | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
