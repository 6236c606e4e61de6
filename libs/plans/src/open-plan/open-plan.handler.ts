import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ValidationFailed, latestDefinition, openPlan, formatDefinitionRef } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore, envelope } from '@govflow/event-store';
import { etagOf, validateDto } from '@govflow/http';
import { commandContext, plain, viewFor } from '../command-meta';
import { IdempotencyStore } from '../idempotency';
import { PlanView } from '../plan.view';
import { OpenPlanRequest } from '../plan-content.request.dto';
import { upsertPlan } from '../plan.projection';
import { foldPlan, planStreamId } from '../plan.repository';
import { OpenPlanCommand } from './open-plan.command';

@CommandHandler(OpenPlanCommand)
export class OpenPlanHandler implements ICommandHandler<OpenPlanCommand> {
  private readonly logger = new Logger(OpenPlanHandler.name);

  constructor(
    private readonly store: EventStore,
    private readonly directory: DirectoryService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  execute({ body, meta }: OpenPlanCommand) {
    const { actor } = meta;
    return this.idempotency.once<PlanView>({ actorId: actor.id, commandId: meta.idempotencyKey, fingerprint: meta.fingerprint }, async (record) => {
      const request = validateDto(OpenPlanRequest, body);
      const mesa = await this.directory.findMesa(request.mesa);
      if (!mesa) throw ValidationFailed.field('mesa', `No existe la mesa ${request.mesa}.`, `There is no table ${request.mesa}.`);
      const definition = latestDefinition(mesa.workflow);
      if (!definition) throw new Error(`workflow ${mesa.workflow} of table ${mesa.code} is not installed`);
      const { mesa: _mesa, ...content } = plain(request);
      const planId = randomUUID();
      const events = openPlan(definition, planId, content, { actor, mesa, now: meta.now.toISOString() });
      const ctx = commandContext(meta, meta.idempotencyKey ?? randomUUID());
      const answer = await this.store.transaction(async (tx) => {
        const appended = tx.stage({
          streamId: planStreamId(planId),
          streamType: 'plan',
          expectedVersion: 0,
          events: envelope(events, ctx, formatDefinitionRef(definition)),
        });
        const state = foldPlan(appended.events)!;
        upsertPlan(tx, state);
        const answer = { status: 201, body: viewFor(definition, state, actor, mesa, meta.now), etag: etagOf(state.version) };
        record(tx, answer);
        return answer;
      });
      this.logger.log({ correlationId: meta.correlationId, commandId: ctx.commandId, planId, mesa: mesa.code }, 'plan opened');
      return answer;
    });
  }
}
