import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { authorizeEdit, checkEditAccess, decideEdit } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore } from '@govflow/event-store';
import { checkIfMatch, etagOf, validateDto } from '@govflow/http';
import { commandContext, plain, viewFor } from '../command-meta';
import { IdempotencyStore } from '../idempotency';
import { PlanView } from '../plan.view';
import { PlanContentRequest } from '../plan-content.request.dto';
import { appendToPlan } from '../plan.projection';
import { PlanRepository, definitionOf } from '../plan.repository';
import { EditPlanCommand } from './edit-plan.command';

@CommandHandler(EditPlanCommand)
export class EditPlanHandler implements ICommandHandler<EditPlanCommand> {
  private readonly logger = new Logger(EditPlanHandler.name);

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly directory: DirectoryService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  execute({ planId, body, ifMatch, meta }: EditPlanCommand) {
    const { actor } = meta;
    return this.idempotency.once<PlanView>({ actorId: actor.id, commandId: meta.idempotencyKey, fingerprint: meta.fingerprint }, async (record) => {
      const { state, head } = await this.plans.load(planId);
      const mesa = await this.directory.getMesa(state.mesa);
      const definition = definitionOf(state.definition);
      const decision = { actor, mesa, now: meta.now.toISOString() };
      checkEditAccess(definition, state, decision);
      const content = plain(validateDto(PlanContentRequest, body));
      authorizeEdit(definition, state, content, decision);
      checkIfMatch(ifMatch, state.version);
      const events = decideEdit(definition, state, content, decision);
      const ctx = commandContext(meta, meta.idempotencyKey ?? randomUUID());
      const answer = await this.store.transaction(async (tx) => {
        const { after } = appendToPlan(tx, { state, head }, events, ctx);
        const answer = { status: 200, body: viewFor(definition, after, actor, mesa, meta.now), etag: etagOf(after.version) };
        record(tx, answer);
        return answer;
      });
      this.logger.log({ correlationId: meta.correlationId, commandId: ctx.commandId, planId, version: answer.body.version }, 'plan content edited');
      return answer;
    });
  }
}
