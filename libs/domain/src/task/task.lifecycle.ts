import { Actor, Mesa } from '../directory/directory.types';
import { FieldError, Forbidden, InvalidTransition, LocalizedText, NotFound, ValidationFailed } from '../shared/errors';
import { isCalendarDate, leadingEntities } from '../plan/plan.content';
import { Evidence, TaskNewEvent, TaskState, TaskStatus } from './task.types';
import { PlanStatus } from '../workflow/workflow.types';
import { STATE_LABELS as PLAN_STATE_LABELS } from '../workflow/labels';

export const TASK_ACTIONS = ['start', 'report-progress', 'deliver', 'validate', 'return', 'block', 'unblock', 'reassign', 'reschedule', 'cancel'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];
export const isTaskAction = (value: string): value is TaskAction => (TASK_ACTIONS as readonly string[]).includes(value);

/**
 * Who may act on a task: relative to the task and its plan's table. `reviewer` is the table's
 * technical reviewer standing in for a delivery that nobody else could judge (see
 * reviewerStandsIn); it holds no other task role.
 */
export type TaskRole = 'responsible' | 'lead' | 'coordinator' | 'reviewer';

interface TaskTransition {
  from: TaskStatus[];
  /** `undefined`: back to where it was blocked from. */
  to?: TaskStatus;
  who: TaskRole[];
  /** The action with its object: "informar avance de <esta tarea>", "report progress on <this task>"; 'la' is the pronoun ("iniciarla"). */
  label: { es: (task: string) => string; en: (task: string) => string };
}

/** A label whose object follows the verb: "iniciar <esta tarea>", "iniciarla", "start <this task>". */
const verb = (es: string, en: string) => ({ es: (task: string) => (task === 'la' ? `${es}la` : `${es} ${task}`), en: (task: string) => `${en} ${task}` });

/** DESIGN.md's task lifecycle, as data. */
export const TASK_TRANSITIONS: Record<TaskAction, TaskTransition> = {
  start: { from: ['assigned', 'returned'], to: 'in_progress', who: ['responsible'], label: verb('iniciar', 'start') },
  'report-progress': { from: ['in_progress'], to: 'in_progress', who: ['responsible'], label: { es: (task) => `informar avance de ${task === 'la' ? 'ella' : task}`, en: (task) => `report progress on ${task}` } },
  deliver: { from: ['in_progress'], to: 'delivered', who: ['responsible'], label: verb('entregar', 'deliver') },
  validate: { from: ['delivered'], to: 'validated', who: ['lead', 'coordinator', 'reviewer'], label: verb('validar', 'validate') },
  return: { from: ['delivered'], to: 'returned', who: ['lead', 'coordinator', 'reviewer'], label: verb('devolver', 'return') },
  block: { from: ['assigned', 'in_progress', 'returned'], to: 'blocked', who: ['responsible', 'coordinator'], label: verb('bloquear', 'block') },
  unblock: { from: ['blocked'], who: ['responsible', 'coordinator'], label: verb('desbloquear', 'unblock') },
  reassign: { from: ['assigned', 'in_progress', 'returned', 'blocked'], to: 'assigned', who: ['coordinator'], label: verb('reasignar', 'reassign') },
  reschedule: { from: ['assigned', 'in_progress', 'returned', 'blocked'], who: ['coordinator'], label: verb('reprogramar', 'reschedule') },
  cancel: { from: ['assigned', 'in_progress', 'delivered', 'returned', 'blocked'], to: 'cancelled', who: ['coordinator'], label: verb('cancelar', 'cancel') },
};

const STATUS_LABELS: Record<TaskStatus, LocalizedText> = {
  assigned: { es: 'asignada', en: 'assigned' },
  in_progress: { es: 'en curso', en: 'in progress' },
  delivered: { es: 'entregada', en: 'delivered' },
  validated: { es: 'validada', en: 'validated' },
  returned: { es: 'devuelta', en: 'returned' },
  blocked: { es: 'bloqueada', en: 'blocked' },
  cancelled: { es: 'cancelada', en: 'cancelled' },
};

export interface TaskContext {
  actor: Actor;
  mesa: Mesa;
  now: string;
  /** The task's plan's state, when known: the tasks of a completed or withdrawn plan no longer change. */
  planStatus?: PlanStatus;
}

/**
 * A finished plan freezes its tasks where they stand: nobody works on them or is reminded of
 * them, and progress keeps counting the undone ones as undone (cancelling them would drop them
 * from the OGP scale). DESIGN.md is silent; this is govflow's choice.
 */
export const planIsClosed = (status: PlanStatus | undefined): boolean => status === 'completed' || status === 'withdrawn';

export interface TaskActionCommand {
  action: TaskAction;
  rationale?: string;
  reason?: string;
  percent?: number;
  note?: string;
  evidence?: Evidence[];
  entity?: string;
  dueDate?: string;
}

/**
 * A delivery is validated or returned by the commitment lead or the coordinator, never by the
 * institution that delivered it. When that institution is both the lead and the coordinator,
 * nobody would be left to judge it, so the table's technical reviewer does: govflow's choice
 * where DESIGN.md is silent (the reviewer already judges the plan these tasks come from).
 */
export function reviewerStandsIn(task: TaskState, mesa: Mesa): boolean {
  return (
    task.status === 'delivered' &&
    !!task.deliveredBy &&
    task.deliveredBy === task.leadEntity &&
    task.deliveredBy === mesa.coordinator &&
    mesa.technicalReviewer !== task.deliveredBy
  );
}

export function taskRoles(task: TaskState, ctx: TaskContext): Set<TaskRole> {
  const roles = new Set<TaskRole>();
  if (!ctx.actor.roles.includes('official') || !ctx.actor.entity) return roles;
  if (ctx.actor.entity === task.entity) roles.add('responsible');
  if (ctx.actor.entity === task.leadEntity) roles.add('lead');
  if (ctx.actor.entity === ctx.mesa.coordinator) roles.add('coordinator');
  if (ctx.actor.entity === ctx.mesa.technicalReviewer && reviewerStandsIn(task, ctx.mesa)) roles.add('reviewer');
  return roles;
}

const ROLE_NAMES: Record<TaskRole, (task: TaskState, mesa: Mesa) => LocalizedText> = {
  responsible: (task) => ({ es: `${task.entity} (responsable)`, en: `${task.entity} (responsible)` }),
  lead: (task) => ({ es: `${task.leadEntity} (líder del compromiso)`, en: `${task.leadEntity} (commitment lead)` }),
  coordinator: (_task, mesa) => ({ es: `${mesa.coordinator} (coordinación)`, en: `${mesa.coordinator} (coordinator)` }),
  reviewer: (_task, mesa) => ({ es: `${mesa.technicalReviewer} (revisión técnica)`, en: `${mesa.technicalReviewer} (technical reviewer)` }),
};

/** The institutions that may take the action now, by role: the reviewer only while it stands in, and then alone to validate. */
function whoText(action: TaskAction, task: TaskState, mesa: Mesa): LocalizedText {
  const standsIn = reviewerStandsIn(task, mesa);
  const roles = TASK_TRANSITIONS[action].who.filter((role) => (role === 'reviewer' ? standsIn : !(standsIn && action === 'validate')));
  const names = roles.map((role) => ROLE_NAMES[role](task, mesa));
  return { es: [...new Set(names.map((n) => n.es))].join(' o '), en: [...new Set(names.map((n) => n.en))].join(' or ') };
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/** 403: the caller's institution holds none of the roles the action needs; validation never by the deliverer. */
export function checkTaskAccess(task: TaskState, action: TaskAction, ctx: TaskContext): void {
  const t = TASK_TRANSITIONS[action];
  if (!t) throw new NotFound({ es: `La acción «${action}» no existe para tareas.`, en: `There is no task action "${action}".` });
  const roles = taskRoles(task, ctx);
  if (!t.who.some((r) => roles.has(r))) {
    const who = whoText(action, task, ctx.mesa);
    throw new Forbidden({ es: `Solo ${who.es} puede ${t.label.es('esta tarea')}.`, en: `Only ${who.en} may ${t.label.en('this task')}.` });
  }
  if (action === 'validate' && task.status === 'delivered' && task.deliveredBy === ctx.actor.entity) {
    const judges = reviewerStandsIn(task, ctx.mesa) ? [ctx.mesa.technicalReviewer] : [task.leadEntity, ctx.mesa.coordinator];
    const validators = [...new Set(judges)].filter((e) => e !== ctx.actor.entity);
    throw new Forbidden({
      es: `${ctx.actor.entity} entregó esta tarea y no puede validarla: debe hacerlo ${validators.join(' o ') || 'otra institución'}.`,
      en: `${ctx.actor.entity} delivered this task and cannot validate it: ${validators.join(' or ') || 'another institution'} must.`,
    });
  }
}

/** 400: what the request must carry. */
export function checkTaskInput(task: TaskState, cmd: TaskActionCommand, ctx: TaskContext): void {
  const errors: FieldError[] = [];
  const need = (field: string, es: string, en: string) => errors.push({ field, message: { es, en } });
  switch (cmd.action) {
    case 'report-progress':
      if (cmd.percent === undefined || !Number.isInteger(cmd.percent) || cmd.percent < 0 || cmd.percent > 100) {
        need('percent', 'Indique el avance como un entero de 0 a 100.', 'Give the progress as an integer from 0 to 100.');
      }
      if (blank(cmd.note)) need('note', 'Describa el avance en «note».', 'Describe the progress in "note".');
      break;
    case 'deliver':
      if (!cmd.evidence || cmd.evidence.length === 0) need('evidence', 'Adjunte al menos una evidencia (título, y URL o SHA-256 del documento).', 'Attach at least one piece of evidence (title, and URL or SHA-256 of the document).');
      break;
    case 'return':
    case 'cancel':
      if (blank(cmd.rationale)) need('rationale', `Para ${TASK_TRANSITIONS[cmd.action].label.es('la tarea')} indique el motivo en «rationale».`, `A rationale is required to ${TASK_TRANSITIONS[cmd.action].label.en('the task')}.`);
      break;
    case 'block':
      if (blank(cmd.reason)) need('reason', 'Indique qué bloquea la tarea en «reason».', 'Say what blocks the task in "reason".');
      break;
    case 'reassign':
      if (blank(cmd.rationale)) need('rationale', 'Para reasignar la tarea indique el motivo en «rationale».', 'A rationale is required to reassign the task.');
      if (!cmd.entity) need('entity', 'Indique la institución a la que se reasigna.', 'Give the institution the task is reassigned to.');
      else if (!leadingEntities(ctx.mesa).has(cmd.entity)) {
        need('entity', `${cmd.entity} no es coordinadora, revisora técnica ni miembro de la mesa ${ctx.mesa.code}.`, `${cmd.entity} is not the coordinator, the technical reviewer or a member of table ${ctx.mesa.code}.`);
      } else if (cmd.entity === task.entity) need('entity', `La tarea ya está asignada a ${cmd.entity}.`, `The task is already assigned to ${cmd.entity}.`);
      break;
    case 'reschedule':
      if (blank(cmd.rationale)) need('rationale', 'Para reprogramar la tarea indique el motivo en «rationale».', 'A rationale is required to reschedule the task.');
      if (!cmd.dueDate || !isCalendarDate(cmd.dueDate)) need('dueDate', 'Indique la nueva fecha de vencimiento (AAAA-MM-DD).', 'Give the new due date (YYYY-MM-DD).');
      else if (cmd.dueDate === task.dueDate) need('dueDate', `La tarea ya vence el ${cmd.dueDate}.`, `The task is already due on ${cmd.dueDate}.`);
      break;
    case 'start':
    case 'validate':
    case 'unblock':
      break;
    default: {
      const unhandled: never = cmd.action;
      throw new Error(`unhandled task action ${String(unhandled)}`);
    }
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
}

/** decide: 403, 400, then the state (409); the events an accepted action records. */
export function decideTask(task: TaskState, cmd: TaskActionCommand, ctx: TaskContext): TaskNewEvent[] {
  checkTaskAccess(task, cmd.action, ctx);
  checkTaskInput(task, cmd, ctx);
  const t = TASK_TRANSITIONS[cmd.action];
  if (planIsClosed(ctx.planStatus)) {
    const plan = PLAN_STATE_LABELS[ctx.planStatus!];
    throw new InvalidTransition({
      es: `El plan de esta tarea está ${plan.es}: sus tareas ya no cambian.`,
      en: `This task's plan is ${plan.en}: its tasks no longer change.`,
    });
  }
  if (!t.from.includes(task.status)) {
    throw new InvalidTransition({
      es: `La tarea está ${STATUS_LABELS[task.status].es}: no se puede ${t.label.es('la')}. Se puede cuando está ${t.from.map((s) => STATUS_LABELS[s].es).join(' o ')}.`,
      en: `The task is ${STATUS_LABELS[task.status].en}: you cannot ${t.label.en('it')} now. You can when it is ${t.from.map((s) => STATUS_LABELS[s].en).join(' or ')}.`,
    });
  }
  const rationale = blank(cmd.rationale) ? undefined : cmd.rationale!.trim();
  switch (cmd.action) {
    case 'start':
      return [{ type: 'task.started', data: {} }];
    case 'report-progress':
      return [{ type: 'task.progress-reported', data: { percent: cmd.percent!, note: cmd.note!.trim() } }];
    case 'deliver':
      return [{ type: 'task.delivered', data: { evidence: cmd.evidence!, ...(blank(cmd.note) ? {} : { note: cmd.note!.trim() }) } }];
    case 'validate':
      return [{ type: 'task.validated', data: {}, rationale }];
    case 'return':
      return [{ type: 'task.returned', data: {}, rationale }];
    case 'block':
      return [{ type: 'task.blocked', data: { reason: cmd.reason!.trim(), from: task.status } }];
    case 'unblock':
      return [{ type: 'task.unblocked', data: { to: task.blockedFrom ?? 'assigned' } }];
    case 'reassign':
      return [{ type: 'task.reassigned', data: { from: task.entity, to: cmd.entity! }, rationale }];
    case 'reschedule':
      return [{ type: 'task.rescheduled', data: { from: task.dueDate, to: cmd.dueDate! }, rationale }];
    case 'cancel':
      return [{ type: 'task.cancelled', data: { from: task.status }, rationale }];
    default: {
      const unhandled: never = cmd.action;
      throw new Error(`unhandled task action ${String(unhandled)}`);
    }
  }
}

/** Actions the caller may take now on the task. */
export function allowedTaskActions(task: TaskState, ctx: TaskContext): TaskAction[] {
  if (planIsClosed(ctx.planStatus)) return [];
  const roles = taskRoles(task, ctx);
  return TASK_ACTIONS.filter((action) => {
    const t = TASK_TRANSITIONS[action];
    if (!t.from.includes(task.status) || !t.who.some((r) => roles.has(r))) return false;
    return !(action === 'validate' && task.deliveredBy === ctx.actor.entity);
  });
}
