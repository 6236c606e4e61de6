import { Command } from '@nestjs/cqrs';
import { CommandAnswer } from '../idempotency';
import { CommandMeta } from '../command-meta';
import { PlanView } from '../plan.view';

/** A workflow action on a plan: submit, approve, request-changes, endorse, ... */
export class ActOnPlanCommand extends Command<CommandAnswer<PlanView>> {
  constructor(
    readonly planId: string,
    readonly action: string,
    readonly body: unknown,
    readonly ifMatch: number | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
