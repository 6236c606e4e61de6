import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Actor, DIRECTORY_EVENTS, Entity, FieldError, Mesa, ValidationFailed, VersionConflict, latestDefinition } from '@govflow/domain';
import { CommandContext, EventStore, envelope } from '@govflow/event-store';
import { projectDirectoryEvent } from './directory.projection';
import { DirectoryService, hashToken } from './directory.service';
import { RegisterEntityRequest } from './register-entity/register-entity.request.dto';
import { CreateMesaRequest } from './create-mesa/create-mesa.request.dto';
import { CreateActorRequest } from './create-actor/create-actor.request.dto';

/** The directory's use cases, each recorded as an event on its own stream. */
@Injectable()
export class DirectoryCommands {
  constructor(
    private readonly store: EventStore,
    private readonly directory: DirectoryService,
  ) {}

  private async record(streamId: string, type: string, data: object, ctx: CommandContext, already: { es: string; en: string }, extra?: (tx: any) => Promise<void>) {
    try {
      await this.store.transaction(async (tx) => {
        const [event] = envelope([{ type, data }], ctx);
        const result = await tx.append({ streamId, streamType: streamId.split('-')[0], expectedVersion: 0, events: [event] });
        await projectDirectoryEvent(tx, result.events[0]);
        if (extra) await extra(tx);
      });
    } catch (error) {
      if (error instanceof VersionConflict) throw new VersionConflict(already);
      throw error;
    }
  }

  async registerEntity(request: RegisterEntityRequest, ctx: CommandContext): Promise<Entity> {
    const entity: Entity = { code: request.code, name: request.name.trim(), ...(request.kind ? { kind: request.kind } : {}) };
    await this.record(`entity-${entity.code}`, DIRECTORY_EVENTS.entityRegistered, entity, ctx, {
      es: `Ya existe la institución ${entity.code}.`,
      en: `Institution ${entity.code} already exists.`,
    });
    return entity;
  }

  async createMesa(request: CreateMesaRequest, ctx: CommandContext): Promise<Mesa> {
    const mesa: Mesa = {
      code: request.code,
      name: request.name.trim(),
      coordinator: request.coordinator,
      technicalReviewer: request.technicalReviewer,
      members: request.members,
      invited: request.invited ?? [],
      workflow: request.workflow ?? 'action-plan',
    };
    const errors: FieldError[] = [];
    const named: [string, string][] = [
      ['coordinator', mesa.coordinator],
      ['technicalReviewer', mesa.technicalReviewer],
      ...mesa.members.map((m, i): [string, string] => [`members[${i}]`, m]),
      ...mesa.invited.map((m, i): [string, string] => [`invited[${i}]`, m]),
    ];
    const known = await this.directory.existingEntities(named.map(([, code]) => code));
    for (const [field, code] of named) {
      if (!known.has(code)) {
        errors.push({ field, message: { es: `No existe la institución ${code}: regístrela primero.`, en: `Institution ${code} does not exist: register it first.` } });
      }
    }
    mesa.invited.forEach((code, i) => {
      if (code === mesa.coordinator || code === mesa.technicalReviewer || mesa.members.includes(code)) {
        errors.push({
          field: `invited[${i}]`,
          message: { es: `${code} ya participa en la mesa con otro papel; no puede ser también invitada.`, en: `${code} already takes part in the table in another role; it cannot also be invited.` },
        });
      }
    });
    if (!latestDefinition(mesa.workflow)) {
      errors.push({ field: 'workflow', message: { es: `No existe el flujo «${mesa.workflow}».`, en: `There is no workflow "${mesa.workflow}".` } });
    }
    if (errors.length > 0) throw new ValidationFailed(errors);
    await this.record(`mesa-${mesa.code}`, DIRECTORY_EVENTS.mesaCreated, mesa, ctx, {
      es: `Ya existe la mesa ${mesa.code}.`,
      en: `Table ${mesa.code} already exists.`,
    });
    return mesa;
  }

  /** The token is returned once; only its SHA-256 is stored, and never in an event. */
  async createActor(request: CreateActorRequest, ctx: CommandContext, token = `gf_${randomBytes(32).toString('base64url')}`): Promise<Actor & { token: string }> {
    const known = await this.directory.existingEntities([request.entity]);
    if (!known.has(request.entity)) {
      throw ValidationFailed.field('entity', `No existe la institución ${request.entity}.`, `Institution ${request.entity} does not exist.`);
    }
    const actor: Actor = { id: randomUUID(), name: request.name.trim(), entity: request.entity, roles: request.roles };
    await this.record(
      `actor-${actor.id}`,
      DIRECTORY_EVENTS.actorRegistered,
      actor,
      ctx,
      { es: 'El actor ya existe.', en: 'The actor already exists.' },
      async (tx) => {
        await tx.query(`INSERT INTO actor_credentials (token_hash, actor_id) VALUES ($1, $2)`, [hashToken(token), actor.id]);
      },
    );
    return { ...actor, token };
  }
}
