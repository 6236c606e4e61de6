import { Actor, Mesa } from '../directory/directory.types';
import { Forbidden, InvalidTransition, LocalizedText, NotFound, ValidationFailed, FieldError } from '../shared/errors';
import { sha256OfCanonical } from '../shared/sha256';
import { ACTION_LABELS, ROLE_LABELS, STATE_LABELS } from '../workflow/labels';
import {
  DefinitionRef,
  PLAN_ACTIONS,
  PlanAction,
  TableRole,
  Transition,
  WorkflowDefinition,
} from '../workflow/workflow.types';
import { ObservationRaised, ObservationResponse, PlanNewEvent, PlanRecordedEvent } from './plan.events';
import { Observation, PlanContent, PlanState, PlanTaskRef, Presentation } from './plan.types';
import { validatePlanContent } from './plan.content';

/** What a decision needs besides the state: who acts, the table as it is now, and the time. */
export interface PlanContext {
  actor: Actor;
  mesa: Mesa;
  now: string;
  /** Tasks of the plan that are neither validated nor cancelled (for `complete`). */
  openTasks?: number;
}

export interface PlanActionCommand {
  action: PlanAction;
  rationale?: string;
  observations?: { text: string; blocking?: boolean; commitmentRef?: string }[];
  responses?: ObservationResponse[];
  presentation?: Presentation;
  /** One new task id per milestone, in content order; the handler makes them (deciders make no ids). */
  taskIds?: string[];
}

export const isPlanAction = (value: string): value is PlanAction => (PLAN_ACTIONS as readonly string[]).includes(value);

/** The roles an actor holds on a plan's table. Only officials act for their institution. */
export function resolveRoles(actor: Actor, mesa: Mesa, drafter?: string): Set<TableRole> {
  const roles = new Set<TableRole>();
  if (!actor.roles.includes('official') || !actor.entity) return roles;
  const entity = actor.entity;
  if (mesa.coordinator === entity) roles.add('coordinator');
  if (mesa.technicalReviewer === entity) roles.add('technical_reviewer');
  if (mesa.members.includes(entity)) roles.add('member');
  if (mesa.invited.includes(entity)) roles.add('invited');
  if (drafter && drafter === entity) roles.add('drafter');
  return roles;
}

function who(role: TableRole, mesa: Mesa, drafter: string): LocalizedText {
  const code =
    role === 'coordinator' ? mesa.coordinator : role === 'technical_reviewer' ? mesa.technicalReviewer : role === 'drafter' ? drafter : undefined;
  const label = ROLE_LABELS[role];
  return code ? { es: `${code} (${label.es})`, en: `${code} (${label.en})` } : label;
}

function whoOf(transition: Transition, mesa: Mesa, drafter: string): LocalizedText {
  const names = transition.who.map((role) => who(role, mesa, drafter));
  return { es: names.map((n) => n.es).join(' o '), en: names.map((n) => n.en).join(' or ') };
}

// ---------------------------------------------------------------------------------------
// Opening a plan
// ---------------------------------------------------------------------------------------

/** Officials of the table's coordinator and member institutions may open plans in it. */
export function openPlan(
  definition: WorkflowDefinition,
  planId: string,
  content: PlanContent,
  ctx: PlanContext,
): PlanNewEvent[] {
  const roles = resolveRoles(ctx.actor, ctx.mesa);
  if (!roles.has('coordinator') && !roles.has('member')) {
    throw new Forbidden({
      es: `Solo las instituciones coordinadora o miembros de la mesa ${ctx.mesa.code} pueden abrir planes en ella.`,
      en: `Only the coordinating or member institutions of table ${ctx.mesa.code} may open plans in it.`,
    });
  }
  validatePlanContent(content, ctx.mesa);
  const ref: DefinitionRef = { id: definition.id, version: definition.version };
  return [
    {
      type: 'plan.opened',
      data: { planId, mesa: ctx.mesa.code, definition: ref, drafter: ctx.actor.entity as string, content },
    },
  ];
}

// ---------------------------------------------------------------------------------------
// Editing the draft
// ---------------------------------------------------------------------------------------

function transitionsFor(definition: WorkflowDefinition, action: Transition['action']): Transition[] {
  return definition.transitions.filter((t) => t.action === action);
}

/** 403, then 400: the checks that do not depend on the plan's current state. */
export function authorizeEdit(definition: WorkflowDefinition, state: PlanState, content: PlanContent, ctx: PlanContext): void {
  checkEditAccess(definition, state, ctx);
  validatePlanContent(content, ctx.mesa);
}

/** 403 when the caller may not edit this plan's content. */
export function checkEditAccess(definition: WorkflowDefinition, state: PlanState, ctx: PlanContext): void {
  const [edit] = transitionsFor(definition, 'edit');
  const roles = resolveRoles(ctx.actor, ctx.mesa, state.drafter);
  if (!edit || !edit.who.some((r) => roles.has(r))) {
    throw new Forbidden({
      es: `Solo ${edit ? whoOf(edit, ctx.mesa, state.drafter).es : 'nadie'} puede editar este plan.`,
      en: `Only ${edit ? whoOf(edit, ctx.mesa, state.drafter).en : 'nobody'} may edit this plan.`,
    });
  }
}

export function decideEdit(definition: WorkflowDefinition, state: PlanState, content: PlanContent, ctx: PlanContext): PlanNewEvent[] {
  authorizeEdit(definition, state, content, ctx);
  const [edit] = transitionsFor(definition, 'edit');
  if (!edit.from.includes(state.status)) {
    throw new InvalidTransition({
      es: `El plan está en ${STATE_LABELS[state.status].es}: solo se puede editar en borrador. Para cambiarlo, debe ser devuelto a borrador.`,
      en: `The plan is in ${STATE_LABELS[state.status].en}: it can only be edited as a draft. It must be returned to draft first.`,
    });
  }
  return [{ type: 'plan.content-edited', data: { content } }];
}

// ---------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------

/** The transition an action takes from the current state, or the first one for the action. */
function pickTransition(definition: WorkflowDefinition, state: PlanState, action: PlanAction): Transition {
  const candidates = transitionsFor(definition, action);
  if (candidates.length === 0) {
    throw new NotFound({
      es: `La acción «${action}» no existe en el flujo ${definition.id}@${definition.version}.`,
      en: `Action "${action}" does not exist in workflow ${definition.id}@${definition.version}.`,
    });
  }
  return candidates.find((t) => t.from.includes(state.status)) ?? candidates[0];
}

function blank(text: string | undefined): boolean {
  return text === undefined || text.trim().length === 0;
}

/** 403 when the caller's institution holds none of the roles the action needs. */
export function checkActionAccess(definition: WorkflowDefinition, state: PlanState, action: PlanAction, ctx: PlanContext): Transition {
  const transition = pickTransition(definition, state, action);
  const roles = resolveRoles(ctx.actor, ctx.mesa, state.drafter);
  if (!transition.who.some((r) => roles.has(r))) {
    const allowed = whoOf(transition, ctx.mesa, state.drafter);
    const label = ACTION_LABELS[action];
    // An admin or auditor of the right institution is told why: decisions are made by officials.
    if (!ctx.actor.roles.includes('official')) {
      throw new Forbidden({
        es: `Solo una persona con el rol official de ${allowed.es} puede ${label.es('este plan')}; esta cuenta (${ctx.actor.roles.join(', ')}) no decide en los planes.`,
        en: `Only a person with the official role of ${allowed.en} may ${label.en('this plan')}; this account (${ctx.actor.roles.join(', ')}) does not decide on plans.`,
      });
    }
    throw new Forbidden({
      es: `Solo ${allowed.es} puede ${label.es('este plan')}.`,
      en: `Only ${allowed.en} may ${label.en('this plan')}.`,
    });
  }
  return transition;
}

/**
 * The checks that come before the version check and the state check, in the contract's
 * order: who may act (403), then what the request must carry (400).
 */
export function authorizeAction(definition: WorkflowDefinition, state: PlanState, cmd: PlanActionCommand, ctx: PlanContext): void {
  const transition = checkActionAccess(definition, state, cmd.action, ctx);
  const label = ACTION_LABELS[cmd.action];
  if (transition.guards.includes('four-eyes') && transition.from.includes(state.status)) {
    const current = state.revisions.find((r) => r.number === state.revision);
    if (current && current.submittedBy === ctx.actor.id) {
      throw new Forbidden({
        es: `Usted envió la revisión ${current.number}; otra persona debe ${label.es('la revisión')} (principio de cuatro ojos).`,
        en: `You submitted revision ${current.number}; someone else must ${label.en('it')} (four-eyes principle).`,
      });
    }
  }

  const errors: FieldError[] = [];
  const rationaleRequired =
    transition.rationale === 'required' || (transition.rationale === 'required-if-open-tasks' && (ctx.openTasks ?? 0) > 0);
  if (rationaleRequired && blank(cmd.rationale)) {
    errors.push({
      field: 'rationale',
      message:
        transition.rationale === 'required-if-open-tasks'
          ? {
              es: `Hay ${ctx.openTasks} tarea(s) sin terminar: explique en «rationale» por qué se completa el plan.`,
              en: `${ctx.openTasks} task(s) are not done: explain in "rationale" why the plan is being completed.`,
            }
          : { es: `Para ${label.es('el plan')} debe indicar el motivo en «rationale».`, en: `A rationale is required to ${label.en('the plan')}.` },
    });
  }
  if (transition.guards.includes('observations-required') && (cmd.observations ?? []).length === 0) {
    errors.push({
      field: 'observations',
      message: {
        es: 'Indique al menos una observación para que la institución redactora sepa qué cambiar.',
        en: 'Give at least one observation so the drafting institution knows what to change.',
      },
    });
  }
  (cmd.observations ?? []).forEach((o, i) => {
    if (blank(o.text)) {
      errors.push({ field: `observations[${i}].text`, message: { es: 'La observación no puede estar vacía.', en: 'The observation cannot be empty.' } });
    }
    if (o.commitmentRef !== undefined && !state.content.commitments.some((c) => c.ref === o.commitmentRef)) {
      errors.push({
        field: `observations[${i}].commitmentRef`,
        message: { es: `El plan no tiene el compromiso «${o.commitmentRef}».`, en: `The plan has no commitment "${o.commitmentRef}".` },
      });
    }
  });
  (cmd.responses ?? []).forEach((r, i) => {
    if (!state.observations.some((o) => o.id === r.observationId)) {
      errors.push({
        field: `responses[${i}].observationId`,
        message: { es: `El plan no tiene la observación «${r.observationId}».`, en: `The plan has no observation "${r.observationId}".` },
      });
    }
    if (blank(r.response)) {
      errors.push({ field: `responses[${i}].response`, message: { es: 'La respuesta no puede estar vacía.', en: 'The response cannot be empty.' } });
    }
  });
  if (transition.guards.includes('presentation-required')) {
    if (!cmd.presentation || blank(cmd.presentation.date)) {
      errors.push({ field: 'presentation.date', message: { es: 'Indique la fecha de la presentación.', en: 'Give the date of the presentation.' } });
    }
    if (!cmd.presentation || blank(cmd.presentation.forum)) {
      errors.push({ field: 'presentation.forum', message: { es: 'Indique el foro de la presentación.', en: 'Give the forum of the presentation.' } });
    }
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
}

function refuseState(definition: WorkflowDefinition, state: PlanState, transition: Transition, ctx: PlanContext): never {
  const here = STATE_LABELS[state.status];
  const label = ACTION_LABELS[transition.action];
  const pending = definition.transitions.find(
    (t) => t.action !== 'edit' && t.from.includes(state.status) && transition.from.includes(t.to),
  );
  if (pending) {
    const by = whoOf(pending, ctx.mesa, state.drafter);
    const step = ACTION_LABELS[pending.action];
    throw new InvalidTransition({
      es: `El plan está en ${here.es}: primero ${by.es} debe ${step.es('el plan')}; solo entonces se podrá ${label.es('el plan')}.`,
      en: `The plan is in ${here.en}: first ${by.en} must ${step.en('it')}; only then can anyone ${label.en('it')}.`,
    });
  }
  throw new InvalidTransition({
    es: `No se puede ${label.es('un plan')} en ${here.es}.`,
    en: `No one can ${label.en('a plan')} in ${here.en}.`,
  });
}

/** decide: the events an accepted action records. Throws a typed domain error when refused. */
export function decideAction(
  definition: WorkflowDefinition,
  state: PlanState,
  cmd: PlanActionCommand,
  ctx: PlanContext,
): PlanNewEvent[] {
  authorizeAction(definition, state, cmd, ctx);
  const transition = pickTransition(definition, state, cmd.action);
  if (!transition.from.includes(state.status)) refuseState(definition, state, transition, ctx);
  const rationale = blank(cmd.rationale) ? undefined : cmd.rationale!.trim();

  switch (cmd.action) {
    case 'submit': {
      const responses = cmd.responses ?? [];
      const unanswered = state.observations.filter(
        (o) => o.blocking && blank(o.response) && !responses.some((r) => r.observationId === o.id),
      );
      if (unanswered.length > 0) {
        const ids = unanswered.map((o) => o.id).join(', ');
        throw new InvalidTransition({
          es: `Responda las observaciones bloqueantes antes de enviar el plan: ${ids}.`,
          en: `Answer the blocking observations before submitting the plan: ${ids}.`,
        });
      }
      if (state.content.commitments.length === 0 || state.content.commitments.some((c) => c.milestones.length === 0)) {
        throw new InvalidTransition({
          es: 'El plan necesita al menos un compromiso y cada compromiso al menos un hito antes de enviarse.',
          en: 'The plan needs at least one commitment, and each commitment at least one milestone, before it is submitted.',
        });
      }
      const revision = state.revision + 1;
      return [
        {
          type: 'plan.submitted',
          data: { revision, sha256: sha256OfCanonical(state.content), content: state.content, responses },
          rationale,
          revision,
        },
      ];
    }
    case 'approve':
      return [{ type: 'plan.approved', data: {}, rationale, revision: state.revision }];
    case 'request-changes': {
      const observations: ObservationRaised[] = (cmd.observations ?? []).map((o, i) => ({
        id: `obs-${state.observations.length + i + 1}`,
        text: o.text.trim(),
        blocking: o.blocking ?? true,
        ...(o.commitmentRef !== undefined ? { commitmentRef: o.commitmentRef } : {}),
      }));
      return [{ type: 'plan.changes-requested', data: { observations }, rationale, revision: state.revision }];
    }
    case 'endorse':
      return [{ type: 'plan.endorsed', data: {}, rationale, revision: state.revision }];
    case 'return':
      return [{ type: 'plan.returned', data: { from: state.status }, rationale, revision: state.revision }];
    case 'record-presentation': {
      const milestones = state.content.commitments.flatMap((c) => c.milestones.map((m) => ({ c, m })));
      const ids = cmd.taskIds ?? [];
      if (ids.length !== milestones.length) {
        throw new Error(`record-presentation needs ${milestones.length} task ids, got ${ids.length}`);
      }
      const tasks: PlanTaskRef[] = milestones.map(({ c, m }, i) => ({ taskId: ids[i], commitmentRef: c.ref, milestoneRef: m.ref }));
      const presentation = { date: cmd.presentation!.date, forum: cmd.presentation!.forum.trim() };
      return [{ type: 'plan.presentation-recorded', data: { presentation, tasks }, rationale, revision: state.revision }];
    }
    case 'complete':
      return [{ type: 'plan.completed', data: { openTasks: ctx.openTasks ?? 0 }, rationale, revision: state.revision }];
    case 'withdraw':
      return [{ type: 'plan.withdrawn', data: { from: state.status }, rationale, revision: state.revision }];
    default: {
      const unhandled: never = cmd.action;
      throw new Error(`unhandled plan action ${String(unhandled)}`);
    }
  }
}

/** Actions the caller could take now (role, state and four eyes; not the request's own fields). */
export function allowedActions(definition: WorkflowDefinition, state: PlanState, ctx: PlanContext): PlanAction[] {
  const roles = resolveRoles(ctx.actor, ctx.mesa, state.drafter);
  const allowed = new Set<PlanAction>();
  for (const t of definition.transitions) {
    if (t.action === 'edit' || !t.from.includes(state.status) || !t.who.some((r) => roles.has(r))) continue;
    if (t.guards.includes('four-eyes')) {
      const current = state.revisions.find((r) => r.number === state.revision);
      if (current && current.submittedBy === ctx.actor.id) continue;
    }
    allowed.add(t.action);
  }
  return [...allowed];
}

export function canEdit(definition: WorkflowDefinition, state: PlanState, ctx: PlanContext): boolean {
  const roles = resolveRoles(ctx.actor, ctx.mesa, state.drafter);
  return transitionsFor(definition, 'edit').some((t) => t.from.includes(state.status) && t.who.some((r) => roles.has(r)));
}

// ---------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------

function targetOf(definition: WorkflowDefinition, event: PlanRecordedEvent, from: PlanState['status']): PlanState['status'] {
  const t = definition.transitions.find((x) => x.event === event.type && x.from.includes(from));
  if (!t) throw new Error(`${event.type} cannot follow ${from} in ${definition.id}@${definition.version}`);
  return t.to;
}

/** evolve: total over plan events; the state after one more event. */
export function evolvePlan(
  state: PlanState | null,
  event: PlanRecordedEvent,
  definitionOf: (ref: DefinitionRef) => WorkflowDefinition,
): PlanState {
  if (event.type === 'plan.opened') {
    return {
      id: event.data.planId,
      mesa: event.data.mesa,
      definition: event.data.definition,
      status: definitionOf(event.data.definition).initial,
      version: event.version,
      drafter: event.data.drafter,
      openedBy: event.metadata.actorId,
      content: event.data.content,
      revision: 0,
      revisions: [],
      observations: [],
      tasks: [],
      createdAt: event.recordedAt,
      updatedAt: event.recordedAt,
    };
  }
  if (!state) throw new Error(`${event.type} before plan.opened in ${event.streamId}`);
  const definition = definitionOf(state.definition);
  const base: PlanState = { ...state, version: event.version, updatedAt: event.recordedAt };
  switch (event.type) {
    case 'plan.content-edited':
      return { ...base, content: event.data.content };
    case 'plan.submitted': {
      // Folding a long-lived plan runs this for every submission over all its observations:
      // copy the list in bulk and replace only the answered ones (a few ids are searched
      // faster as a list than as a Map); without responses the list stays as it is.
      const answered = new Map(event.data.responses.map((r) => [r.observationId, r.response]));
      let observations = state.observations;
      if (answered.size > 0) {
        observations = state.observations.slice();
        const ids = [...answered.keys()];
        const few = ids.length <= 8;
        for (let i = 0; i < observations.length; i++) {
          const o = observations[i];
          if (few ? ids.includes(o.id) : answered.has(o.id)) observations[i] = { ...o, response: answered.get(o.id), respondedBy: event.metadata.actorId, respondedAt: event.recordedAt };
        }
      }
      return {
        ...base,
        status: targetOf(definition, event, state.status),
        revision: event.data.revision,
        revisions: [
          ...state.revisions,
          {
            number: event.data.revision,
            sha256: event.data.sha256,
            submittedBy: event.metadata.actorId,
            submittedByEntity: event.metadata.entity,
            submittedAt: event.recordedAt,
          },
        ],
        observations,
      };
    }
    case 'plan.changes-requested':
      return {
        ...base,
        status: targetOf(definition, event, state.status),
        observations: [
          ...state.observations,
          ...event.data.observations.map(
            (o): Observation => ({
              ...o,
              raisedBy: event.metadata.actorId,
              raisedByEntity: event.metadata.entity,
              raisedOnRevision: state.revision,
              raisedAt: event.recordedAt,
            }),
          ),
        ],
      };
    case 'plan.presentation-recorded':
      return {
        ...base,
        status: targetOf(definition, event, state.status),
        presentation: event.data.presentation,
        tasks: event.data.tasks,
      };
    case 'plan.approved':
    case 'plan.endorsed':
    case 'plan.returned':
    case 'plan.completed':
    case 'plan.withdrawn':
      return { ...base, status: targetOf(definition, event, state.status) };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled plan event ${(unhandled as PlanRecordedEvent).type}`);
    }
  }
}
