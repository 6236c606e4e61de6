import { Actor, Mesa } from '../directory/directory.types';
import { DomainError, ErrorCode, Forbidden, InvalidTransition, ValidationFailed } from '../shared/errors';
import { evolveTask, taskStreamId } from './task.decider';
import { allowedTaskActions, decideTask, TASK_ACTIONS, TASK_TRANSITIONS, TaskAction, TaskActionCommand, TaskContext } from './task.lifecycle';
import { Evidence, TaskNewEvent, TaskRecordedEvent, TaskState, TaskStatus } from './task.types';

// ---------------------------------------------------------------------------------------
// Factories: the Digital Transformation table, its people, and a task for one milestone.
// ---------------------------------------------------------------------------------------

const TASK_ID = '7c2e9a41-3b5d-4f08-8e16-0a9d4c3b2f71';
const PLAN_ID = '0b6f3c1e-5a7d-4c0e-9a53-2f1d8e7c6b10';
const NOW = '2024-11-20T16:00:00.000Z';

function mesa(overrides: Partial<Mesa> = {}): Mesa {
  return {
    code: 'TD',
    name: 'Mesa de Transformación Digital',
    coordinator: 'SPP',
    technicalReviewer: 'GAE',
    members: ['MINFIN', 'MINGOB', 'SIT'],
    invited: ['PGN'],
    workflow: 'action-plan',
    ...overrides,
  };
}

function official(entity: string, n = 1): Actor {
  return { id: `${entity.toLowerCase()}-${n}`, name: `Funcionario ${n} de ${entity}`, entity, roles: ['official'] };
}

const spp = official('SPP');
const gae = official('GAE');
const minfin = official('MINFIN');
const mingob = official('MINGOB');
const mingob2 = official('MINGOB', 2);
const sit = official('SIT');
const pgn = official('PGN');
/** ONSEC coordinates the Civil Service table, not this one. */
const onsec = official('ONSEC');
const auditor: Actor = { id: 'auditor-1', name: 'Auditora de la Contraloría', entity: 'CGC', roles: ['auditor'] };
const admin: Actor = { id: 'admin-1', name: 'Administrador', entity: null, roles: ['admin'] };
/** Belonging to SPP does not make an auditor an official of SPP. */
const sppAuditor: Actor = { id: 'auditor-spp', name: 'Auditor interno de SPP', entity: 'SPP', roles: ['auditor'] };

const EVIDENCE: Evidence[] = [
  { title: 'Catálogo de trámites publicado', url: 'https://www.minfin.gob.gt/tramites/catalogo.pdf' },
  { title: 'Acta de aprobación', sha256: 'a3f1c9d2e4b5a6978877665544332211ffeeddccbbaa99887766554433221100' },
];
const RATIONALE = 'La evidencia no incluye el acta firmada.';
const REASON = 'Falta el dictamen jurídico de la PGN.';

// ---------------------------------------------------------------------------------------
// Recorded events, as the event store would hand them to evolve.
// ---------------------------------------------------------------------------------------

type Step = [Actor, TaskNewEvent];
const recordedAt = (version: number) => new Date(Date.UTC(2024, 10, 1, 14, version)).toISOString();

function record(event: TaskNewEvent, actor: Actor, version: number): TaskRecordedEvent {
  return {
    streamId: taskStreamId(TASK_ID),
    version,
    type: event.type,
    data: event.data,
    metadata: {
      actorId: actor.id,
      actorName: actor.name,
      entity: actor.entity,
      ...(event.rationale !== undefined ? { rationale: event.rationale } : {}),
    },
    recordedAt: recordedAt(version),
  } as TaskRecordedEvent;
}

/** The task for milestone C1/H1, recorded when the coordinator recorded the plan's presentation. */
const assigned = (entity = 'MINGOB', leadEntity = 'MINFIN'): Step => [
  spp,
  {
    type: 'task.assigned',
    data: {
      taskId: TASK_ID,
      planId: PLAN_ID,
      mesa: 'TD',
      commitmentRef: 'C1',
      milestoneRef: 'H1',
      title: 'Catálogo de trámites publicado',
      dueDate: '2024-11-30',
      entity,
      leadEntity,
    },
  },
];
const started = (by: Actor = mingob): Step => [by, { type: 'task.started', data: {} }];
const progressReported = (percent: number, note: string, by: Actor = mingob): Step => [by, { type: 'task.progress-reported', data: { percent, note } }];
const delivered = (by: Actor = mingob, evidence: Evidence[] = EVIDENCE): Step => [by, { type: 'task.delivered', data: { evidence } }];
const validated = (by: Actor = minfin): Step => [by, { type: 'task.validated', data: {} }];
const returned = (by: Actor = minfin): Step => [by, { type: 'task.returned', data: {}, rationale: RATIONALE }];
const blocked = (from: TaskStatus, by: Actor = mingob): Step => [by, { type: 'task.blocked', data: { reason: REASON, from } }];
const reassigned = (from: string, to: string, by: Actor = spp): Step => [by, { type: 'task.reassigned', data: { from, to }, rationale: 'MINGOB no tiene personal asignado.' }];
const cancelled = (from: TaskStatus, by: Actor = spp): Step => [by, { type: 'task.cancelled', data: { from }, rationale: 'El hito se retiró del plan.' }];

/** MINGOB's task (commitment led by MINFIN), walked up to each state. */
const isAssigned = (): Step[] => [assigned()];
const inProgress = (): Step[] => [...isAssigned(), started()];
const isDelivered = (): Step[] => [...inProgress(), delivered()];
const isValidated = (): Step[] => [...isDelivered(), validated()];
const isReturned = (): Step[] => [...isDelivered(), returned()];
const isBlocked = (from: 'assigned' | 'in_progress' | 'returned' = 'in_progress'): Step[] => [
  ...{ assigned: isAssigned, in_progress: inProgress, returned: isReturned }[from](),
  blocked(from),
];
const isCancelled = (): Step[] => [...isAssigned(), cancelled('assigned')];

const HISTORY: Record<TaskStatus, () => Step[]> = {
  assigned: isAssigned,
  in_progress: inProgress,
  delivered: isDelivered,
  validated: isValidated,
  returned: isReturned,
  blocked: () => isBlocked('in_progress'),
  cancelled: isCancelled,
};

/** A task whose responsible and commitment lead are both MINFIN, delivered by MINFIN. */
const ownTaskDelivered = (): Step[] => [assigned('MINFIN', 'MINFIN'), started(minfin), delivered(minfin)];

const ctx = (actor: Actor, extra: Partial<TaskContext> = {}): TaskContext => ({ actor, mesa: mesa(), now: NOW, ...extra });

// ---------------------------------------------------------------------------------------
// given / when / then
// ---------------------------------------------------------------------------------------

type ErrorClass<E extends DomainError> = new (...args: never[]) => E;

function fold(events: TaskRecordedEvent[], from: TaskState | null = null): TaskState | null {
  return events.reduce<TaskState | null>((state, event) => evolveTask(state, event), from);
}

function stateOf(steps: Step[]): TaskState {
  return fold(steps.map(([actor, event], i) => record(event, actor, i + 1))) as TaskState;
}

function given(steps: Step[]) {
  const state = stateOf(steps);
  return {
    state,
    when(command: TaskActionCommand, context: TaskContext) {
      const decide = () => decideTask(state, command, context);
      return {
        /** Asserts the decided events and returns the state after evolving them. */
        then(expected: TaskNewEvent[]): TaskState {
          const events = decide();
          expect(events).toEqual(expected);
          return fold(
            events.map((event, i) => record(event, context.actor, state.version + i + 1)),
            state,
          ) as TaskState;
        },
        /** Asserts the refusal's class and code and returns the error for further checks. */
        thenRefused<E extends DomainError>(errorClass: ErrorClass<E>, code: ErrorCode): E {
          let caught: unknown;
          try {
            decide();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(errorClass);
          expect((caught as E).code).toBe(code);
          return caught as E;
        },
      };
    },
  };
}

const fields = (error: ValidationFailed): string[] => error.errors.map((e) => e.field);

/** A command each action accepts as input (on MINGOB's task). */
const VALID: Record<TaskAction, TaskActionCommand> = {
  start: { action: 'start' },
  'report-progress': { action: 'report-progress', percent: 50, note: 'Catálogo a medio publicar.' },
  deliver: { action: 'deliver', evidence: EVIDENCE },
  validate: { action: 'validate' },
  return: { action: 'return', rationale: RATIONALE },
  block: { action: 'block', reason: REASON },
  unblock: { action: 'unblock' },
  reassign: { action: 'reassign', entity: 'SIT', rationale: 'MINGOB no tiene personal asignado.' },
  reschedule: { action: 'reschedule', dueDate: '2025-02-28', rationale: 'Los insumos llegaron tarde.' },
  cancel: { action: 'cancel', rationale: 'El hito se retiró del plan.' },
};

// ---------------------------------------------------------------------------------------

describe('task lifecycle', () => {
  describe('the transition table', () => {
    it('is the lifecycle of DESIGN.md: sources, target and who, per action', () => {
      const table = Object.fromEntries(TASK_ACTIONS.map((a) => [a, { from: TASK_TRANSITIONS[a].from, to: TASK_TRANSITIONS[a].to, who: TASK_TRANSITIONS[a].who }]));
      expect(table).toEqual({
        start: { from: ['assigned', 'returned'], to: 'in_progress', who: ['responsible'] },
        'report-progress': { from: ['in_progress'], to: 'in_progress', who: ['responsible'] },
        deliver: { from: ['in_progress'], to: 'delivered', who: ['responsible'] },
        validate: { from: ['delivered'], to: 'validated', who: ['lead', 'coordinator', 'reviewer'] },
        return: { from: ['delivered'], to: 'returned', who: ['lead', 'coordinator', 'reviewer'] },
        block: { from: ['assigned', 'in_progress', 'returned'], to: 'blocked', who: ['responsible', 'coordinator'] },
        unblock: { from: ['blocked'], to: undefined, who: ['responsible', 'coordinator'] },
        reassign: { from: ['assigned', 'in_progress', 'returned', 'blocked'], to: 'assigned', who: ['coordinator'] },
        reschedule: { from: ['assigned', 'in_progress', 'returned', 'blocked'], to: undefined, who: ['coordinator'] },
        cancel: { from: ['assigned', 'in_progress', 'delivered', 'returned', 'blocked'], to: 'cancelled', who: ['coordinator'] },
      });
    });

    /** Every (state, action) pair: accepted into the table's target, or refused with 409. */
    const ACTOR_FOR: Record<TaskAction, Actor> = {
      start: mingob,
      'report-progress': mingob,
      deliver: mingob,
      validate: spp,
      return: spp,
      block: mingob,
      unblock: mingob,
      reassign: spp,
      reschedule: spp,
      cancel: spp,
    };
    const pairs = TASK_ACTIONS.flatMap((action) => (Object.keys(HISTORY) as TaskStatus[]).map((status) => [action, status] as const));

    /** The one event each action records from `status` with the VALID command. */
    const expectedEvent = (action: TaskAction, status: TaskStatus): TaskNewEvent =>
      ({
        start: { type: 'task.started', data: {} },
        'report-progress': { type: 'task.progress-reported', data: { percent: 50, note: 'Catálogo a medio publicar.' } },
        deliver: { type: 'task.delivered', data: { evidence: EVIDENCE } },
        validate: { type: 'task.validated', data: {} },
        return: { type: 'task.returned', data: {}, rationale: RATIONALE },
        block: { type: 'task.blocked', data: { reason: REASON, from: status } },
        unblock: { type: 'task.unblocked', data: { to: 'in_progress' } },
        reassign: { type: 'task.reassigned', data: { from: 'MINGOB', to: 'SIT' }, rationale: 'MINGOB no tiene personal asignado.' },
        reschedule: { type: 'task.rescheduled', data: { from: '2024-11-30', to: '2025-02-28' }, rationale: 'Los insumos llegaron tarde.' },
        cancel: { type: 'task.cancelled', data: { from: status }, rationale: 'El hito se retiró del plan.' },
      })[action] as TaskNewEvent;

    it.each(pairs)('%s from %s: accepted only from the listed states, into the listed state', (action, status) => {
      const spec = given(HISTORY[status]()).when(VALID[action], ctx(ACTOR_FOR[action]));
      const t = TASK_TRANSITIONS[action];
      if (t.from.includes(status)) {
        const after = spec.then([expectedEvent(action, status)]);
        // unblock goes back to where the task was blocked from (in_progress in HISTORY.blocked);
        // reschedule keeps the status and moves the due date
        expect(after.status).toBe(t.to ?? (action === 'reschedule' ? status : 'in_progress'));
        if (action === 'reschedule') expect(after.dueDate).toBe('2025-02-28');
      } else {
        const error = spec.thenRefused(InvalidTransition, 'INVALID_TRANSITION');
        expect(error.text.es).toMatch(/^La tarea está .+: no se puede .+\. Se puede cuando está .+\.$/);
      }
    });
  });

  describe('task.assigned', () => {
    it('folds into an assigned task of the responsible institution, with the commitment lead', () => {
      expect(stateOf(isAssigned())).toEqual({
        id: TASK_ID,
        planId: PLAN_ID,
        mesa: 'TD',
        commitmentRef: 'C1',
        milestoneRef: 'H1',
        title: 'Catálogo de trámites publicado',
        dueDate: '2024-11-30',
        entity: 'MINGOB',
        leadEntity: 'MINFIN',
        status: 'assigned',
        version: 1,
        createdAt: recordedAt(1),
        updatedAt: recordedAt(1),
      });
    });

    it('is the only event that may open the stream', () => {
      expect(() => evolveTask(null, record(started()[1], mingob, 1))).toThrow(`task.started before task.assigned in task-${TASK_ID}`);
    });
  });

  describe('start', () => {
    it('lets the responsible (MINGOB) start an assigned task', () => {
      const state = given(isAssigned())
        .when({ action: 'start' }, ctx(mingob))
        .then([{ type: 'task.started', data: {} }]);
      expect(state).toMatchObject({ status: 'in_progress', entity: 'MINGOB', version: 2, updatedAt: recordedAt(2), createdAt: recordedAt(1) });
    });

    it('lets any official of the responsible institution act for it', () => {
      const state = given(isAssigned()).when({ action: 'start' }, ctx(mingob2)).then([{ type: 'task.started', data: {} }]);
      expect(state.status).toBe('in_progress');
    });

    it('lets the responsible start again a returned task', () => {
      const state = given(isReturned())
        .when({ action: 'start' }, ctx(mingob))
        .then([{ type: 'task.started', data: {} }]);
      expect(state).toMatchObject({ status: 'in_progress', version: 5 });
    });

    it('refuses the commitment lead (MINFIN) starting MINGOB’s task, naming who may', () => {
      const error = given(isAssigned()).when({ action: 'start' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text).toEqual({ es: 'Solo MINGOB (responsable) puede iniciar esta tarea.', en: 'Only MINGOB (responsible) may start this task.' });
    });

    it('refuses the coordinator starting it: starting is the responsible’s own act', () => {
      given(isAssigned()).when({ action: 'start' }, ctx(spp)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it.each([
      ['validated', isValidated, 'La tarea está validada: no se puede iniciarla. Se puede cuando está asignada o devuelta.'],
      ['cancelled', isCancelled, 'La tarea está cancelada: no se puede iniciarla. Se puede cuando está asignada o devuelta.'],
      ['in progress', inProgress, 'La tarea está en curso: no se puede iniciarla. Se puede cuando está asignada o devuelta.'],
      ['delivered', isDelivered, 'La tarea está entregada: no se puede iniciarla. Se puede cuando está asignada o devuelta.'],
    ])('refuses to start a %s task with 409', (_state, history, message) => {
      const error = given(history()).when({ action: 'start' }, ctx(mingob)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe(message);
    });
  });

  describe('report-progress', () => {
    it('records the percent and the trimmed note; the task stays in progress', () => {
      const state = given(inProgress())
        .when({ action: 'report-progress', percent: 40, note: '  Catálogo publicado al 40 %.  ' }, ctx(mingob))
        .then([{ type: 'task.progress-reported', data: { percent: 40, note: 'Catálogo publicado al 40 %.' } }]);
      expect(state.status).toBe('in_progress');
      expect(state.progress).toEqual({ percent: 40, note: 'Catálogo publicado al 40 %.', at: recordedAt(3) });
    });

    it('keeps the latest report', () => {
      const state = given([...inProgress(), progressReported(40, 'Primer avance.')])
        .when({ action: 'report-progress', percent: 75, note: 'Segundo avance.' }, ctx(mingob))
        .then([{ type: 'task.progress-reported', data: { percent: 75, note: 'Segundo avance.' } }]);
      expect(state.progress).toEqual({ percent: 75, note: 'Segundo avance.', at: recordedAt(4) });
      expect(state.version).toBe(4);
    });

    it.each([0, 100])('accepts the bound %i', (percent) => {
      const state = given(inProgress())
        .when({ action: 'report-progress', percent, note: 'Avance.' }, ctx(mingob))
        .then([{ type: 'task.progress-reported', data: { percent, note: 'Avance.' } }]);
      expect(state.progress?.percent).toBe(percent);
    });

    it.each([
      ['without a note', { percent: 40 }, ['note']],
      ['with a blank note', { percent: 40, note: '   ' }, ['note']],
      ['with percent 101', { percent: 101, note: 'Avance.' }, ['percent']],
      ['with percent -1', { percent: -1, note: 'Avance.' }, ['percent']],
      ['with percent 2.5', { percent: 2.5, note: 'Avance.' }, ['percent']],
      ['without percent', { note: 'Avance.' }, ['percent']],
      ['without anything', {}, ['percent', 'note']],
    ])('refuses a report %s with 400 naming the field', (_case, input, expected) => {
      const error = given(inProgress())
        .when({ action: 'report-progress', ...input }, ctx(mingob))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(expected);
    });

    it('explains the percent range', () => {
      const error = given(inProgress())
        .when({ action: 'report-progress', percent: 101, note: 'Avance.' }, ctx(mingob))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(error.errors[0].message.es).toBe('Indique el avance como un entero de 0 a 100.');
    });

    it.each([
      ['the commitment lead (MINFIN)', minfin],
      ['the coordinator (SPP)', spp],
    ])('refuses %s reporting progress on MINGOB’s task', (_who, actor) => {
      const error = given(inProgress())
        .when(VALID['report-progress'], ctx(actor))
        .thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('Solo MINGOB (responsable) puede informar avance de esta tarea.');
    });

    it('refuses progress on an assigned task (start it first) with 409', () => {
      const error = given(isAssigned()).when(VALID['report-progress'], ctx(mingob)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text).toEqual({
        es: 'La tarea está asignada: no se puede informar avance de ella. Se puede cuando está en curso.',
        en: 'The task is assigned: you cannot report progress on it now. You can when it is in progress.',
      });
    });
  });

  describe('deliver', () => {
    it('records the evidence and the trimmed note; the task is delivered by MINGOB', () => {
      const state = given(inProgress())
        .when({ action: 'deliver', evidence: EVIDENCE, note: '  Catálogo completo.  ' }, ctx(mingob))
        .then([{ type: 'task.delivered', data: { evidence: EVIDENCE, note: 'Catálogo completo.' } }]);
      expect(state).toMatchObject({ status: 'delivered', evidence: EVIDENCE, deliveredBy: 'MINGOB', version: 3 });
    });

    it('leaves the note out when none (or a blank one) is given', () => {
      const [event] = decideTask(stateOf(inProgress()), { action: 'deliver', evidence: EVIDENCE, note: '  ' }, ctx(mingob));
      expect(event).toStrictEqual({ type: 'task.delivered', data: { evidence: EVIDENCE } });
    });

    it.each([
      ['without evidence', undefined],
      ['with an empty evidence list', []],
    ])('refuses a delivery %s with 400', (_case, evidence) => {
      const error = given(inProgress())
        .when({ action: 'deliver', evidence }, ctx(mingob))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['evidence']);
      expect(error.errors[0].message.es).toBe('Adjunte al menos una evidencia (título, y URL o SHA-256 del documento).');
    });

    it('refuses to deliver an assigned task with 409', () => {
      const error = given(isAssigned()).when(VALID.deliver, ctx(mingob)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('La tarea está asignada: no se puede entregarla. Se puede cuando está en curso.');
    });

    it('refuses the commitment lead delivering for the responsible', () => {
      given(inProgress()).when(VALID.deliver, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
    });
  });

  describe('validate', () => {
    it('lets the commitment lead (MINFIN) validate MINGOB’s delivery', () => {
      const state = given(isDelivered())
        .when({ action: 'validate' }, ctx(minfin))
        .then([{ type: 'task.validated', data: {} }]);
      expect(state).toMatchObject({ status: 'validated', evidence: EVIDENCE, deliveredBy: 'MINGOB', version: 4 });
    });

    it('lets the coordinator (SPP) validate, with an optional trimmed rationale', () => {
      const state = given(isDelivered())
        .when({ action: 'validate', rationale: '  Cumple con lo comprometido.  ' }, ctx(spp))
        .then([{ type: 'task.validated', data: {}, rationale: 'Cumple con lo comprometido.' }]);
      expect(state.status).toBe('validated');
    });

    it('records no rationale when none is given', () => {
      const [event] = decideTask(stateOf(isDelivered()), { action: 'validate', rationale: ' ' }, ctx(minfin));
      expect(event.rationale).toBeUndefined();
    });

    it('refuses MINGOB validating its own delivery, naming who may', () => {
      const error = given(isDelivered()).when({ action: 'validate' }, ctx(mingob)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text).toEqual({
        es: 'Solo MINFIN (líder del compromiso) o SPP (coordinación) puede validar esta tarea.',
        en: 'Only MINFIN (commitment lead) or SPP (coordinator) may validate this task.',
      });
    });

    it('refuses the deliverer even when it is also the commitment lead: then only SPP may', () => {
      const error = given(ownTaskDelivered()).when({ action: 'validate' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text).toEqual({
        es: 'MINFIN entregó esta tarea y no puede validarla: debe hacerlo SPP.',
        en: 'MINFIN delivered this task and cannot validate it: SPP must.',
      });
      const state = given(ownTaskDelivered())
        .when({ action: 'validate' }, ctx(spp))
        .then([{ type: 'task.validated', data: {} }]);
      expect(state.status).toBe('validated');
    });

    it('follows the latest delivery: once reassigned to the lead, the lead’s own delivery needs SPP', () => {
      const steps = [...isReturned(), reassigned('MINGOB', 'MINFIN'), started(minfin), delivered(minfin)];
      expect(stateOf(steps)).toMatchObject({ status: 'delivered', entity: 'MINFIN', deliveredBy: 'MINFIN' });
      const error = given(steps).when({ action: 'validate' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('MINFIN entregó esta tarea y no puede validarla: debe hacerlo SPP.');
      given(steps).when({ action: 'validate' }, ctx(spp)).then([{ type: 'task.validated', data: {} }]);
    });

    describe('when the coordinator (SPP) leads the commitment and delivers its own task', () => {
      /** SPP is responsible, commitment lead and coordinator: neither judge is left. */
      const coordinatorsOwn = (): Step[] => [assigned('SPP', 'SPP'), started(spp), delivered(spp)];

      it('refuses SPP and names the technical reviewer (GAE), who validates it instead', () => {
        const error = given(coordinatorsOwn()).when({ action: 'validate' }, ctx(spp)).thenRefused(Forbidden, 'FORBIDDEN');
        expect(error.text).toEqual({
          es: 'SPP entregó esta tarea y no puede validarla: debe hacerlo GAE.',
          en: 'SPP delivered this task and cannot validate it: GAE must.',
        });
        expect(allowedTaskActions(stateOf(coordinatorsOwn()), ctx(gae))).toEqual(['validate', 'return']);
        const state = given(coordinatorsOwn())
          .when({ action: 'validate', rationale: 'Evidencia verificada por la revisión técnica.' }, ctx(gae))
          .then([{ type: 'task.validated', data: {}, rationale: 'Evidencia verificada por la revisión técnica.' }]);
        expect(state.status).toBe('validated');
      });

      it('lets GAE return it, and SPP starts again', () => {
        const state = given(coordinatorsOwn())
          .when({ action: 'return', rationale: RATIONALE }, ctx(gae))
          .then([{ type: 'task.returned', data: {}, rationale: RATIONALE }]);
        expect(allowedTaskActions(state, ctx(spp))).toContain('start');
        expect(allowedTaskActions(state, ctx(gae))).toEqual([]);
      });

      it('gives the reviewer nothing on an ordinary delivery: MINFIN or SPP judge it, and the refusal does not name GAE', () => {
        expect(allowedTaskActions(stateOf(isDelivered()), ctx(gae))).toEqual([]);
        const error = given(isDelivered()).when({ action: 'validate' }, ctx(gae)).thenRefused(Forbidden, 'FORBIDDEN');
        expect(error.text.es).toBe('Solo MINFIN (líder del compromiso) o SPP (coordinación) puede validar esta tarea.');
        // a lead that is not the coordinator still leaves SPP to judge its own delivery
        given(ownTaskDelivered()).when({ action: 'validate' }, ctx(gae)).thenRefused(Forbidden, 'FORBIDDEN');
      });

      it('names only the reviewer to anyone else who tries', () => {
        const error = given(coordinatorsOwn()).when({ action: 'validate' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
        expect(error.text).toEqual({
          es: 'Solo GAE (revisión técnica) puede validar esta tarea.',
          en: 'Only GAE (technical reviewer) may validate this task.',
        });
      });
    });

    it('refuses to validate a task in progress with 409', () => {
      const error = given(inProgress()).when({ action: 'validate' }, ctx(minfin)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('La tarea está en curso: no se puede validarla. Se puede cuando está entregada.');
    });

    it('refuses to validate twice with 409', () => {
      given(isValidated()).when({ action: 'validate' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  describe('return', () => {
    it('lets the commitment lead return a delivery with a trimmed rationale; the responsible starts again', () => {
      const state = given(isDelivered())
        .when({ action: 'return', rationale: `  ${RATIONALE}  ` }, ctx(minfin))
        .then([{ type: 'task.returned', data: {}, rationale: RATIONALE }]);
      expect(state).toMatchObject({ status: 'returned', entity: 'MINGOB', version: 4 });
      expect(allowedTaskActions(state, ctx(mingob))).toEqual(['start', 'block']);
    });

    it('lets the coordinator return a delivery', () => {
      const state = given(isDelivered())
        .when({ action: 'return', rationale: RATIONALE }, ctx(spp))
        .then([{ type: 'task.returned', data: {}, rationale: RATIONALE }]);
      expect(state.status).toBe('returned');
    });

    it.each([
      ['without a rationale', undefined],
      ['with a blank rationale', '   '],
    ])('refuses a return %s with 400', (_case, rationale) => {
      const error = given(isDelivered()).when({ action: 'return', rationale }, ctx(minfin)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      expect(error.errors[0].message.es).toBe('Para devolver la tarea indique el motivo en «rationale».');
    });

    it('refuses the responsible returning its own delivery', () => {
      given(isDelivered()).when(VALID.return, ctx(mingob)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('refuses to return a validated task with 409', () => {
      given(isValidated()).when(VALID.return, ctx(minfin)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  describe('block and unblock', () => {
    it.each([
      ['assigned', isAssigned],
      ['in_progress', inProgress],
      ['returned', isReturned],
    ] as const)('lets the responsible block a task %s, recording the reason and where it was', (from, history) => {
      const state = given(history())
        .when({ action: 'block', reason: `  ${REASON}  ` }, ctx(mingob))
        .then([{ type: 'task.blocked', data: { reason: REASON, from } }]);
      expect(state).toMatchObject({ status: 'blocked', blockedFrom: from, blockReason: REASON });
    });

    it('lets the coordinator block a task', () => {
      const state = given(inProgress())
        .when({ action: 'block', reason: REASON }, ctx(spp))
        .then([{ type: 'task.blocked', data: { reason: REASON, from: 'in_progress' } }]);
      expect(state.status).toBe('blocked');
    });

    it.each([
      ['without a reason', undefined],
      ['with a blank reason', '  '],
    ])('refuses a block %s with 400', (_case, reason) => {
      const error = given(inProgress()).when({ action: 'block', reason }, ctx(mingob)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['reason']);
      expect(error.errors[0].message.es).toBe('Indique qué bloquea la tarea en «reason».');
    });

    it('refuses the commitment lead blocking MINGOB’s task', () => {
      const error = given(inProgress()).when(VALID.block, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('Solo MINGOB (responsable) o SPP (coordinación) puede bloquear esta tarea.');
    });

    it.each([
      ['delivered', isDelivered],
      ['blocked', () => isBlocked('in_progress')],
      ['validated', isValidated],
    ])('refuses to block a %s task with 409', (_state, history) => {
      given(history()).when(VALID.block, ctx(mingob)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });

    it.each([
      ['assigned', 'assigned'],
      ['in_progress', 'in_progress'],
      ['returned', 'returned'],
    ] as const)('unblocks a task blocked from %s back to %s, clearing the reason', (from, to) => {
      const state = given(isBlocked(from))
        .when({ action: 'unblock' }, ctx(mingob))
        .then([{ type: 'task.unblocked', data: { to } }]);
      expect(state.status).toBe(to);
      expect(state).not.toHaveProperty('blockedFrom');
      expect(state).not.toHaveProperty('blockReason');
    });

    it('lets the coordinator unblock; the responsible can then carry on where it was', () => {
      const state = given(isBlocked('in_progress'))
        .when({ action: 'unblock' }, ctx(spp))
        .then([{ type: 'task.unblocked', data: { to: 'in_progress' } }]);
      expect(allowedTaskActions(state, ctx(mingob))).toEqual(['report-progress', 'deliver', 'block']);
    });

    it('refuses to unblock a task that is not blocked with 409', () => {
      const error = given(inProgress()).when({ action: 'unblock' }, ctx(mingob)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('La tarea está en curso: no se puede desbloquearla. Se puede cuando está bloqueada.');
    });

    it('refuses the commitment lead unblocking', () => {
      given(isBlocked()).when({ action: 'unblock' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
    });
  });

  describe('reassign', () => {
    it('lets the coordinator reassign to another member with a rationale: the new responsible starts over', () => {
      const state = given(inProgress())
        .when({ action: 'reassign', entity: 'SIT', rationale: '  MINGOB no tiene personal asignado.  ' }, ctx(spp))
        .then([{ type: 'task.reassigned', data: { from: 'MINGOB', to: 'SIT' }, rationale: 'MINGOB no tiene personal asignado.' }]);
      expect(state).toMatchObject({ status: 'assigned', entity: 'SIT', leadEntity: 'MINFIN', version: 3 });
      expect(allowedTaskActions(state, ctx(sit))).toEqual(['start', 'block']);
      expect(allowedTaskActions(state, ctx(mingob))).toEqual([]);
      given([...inProgress(), reassigned('MINGOB', 'SIT')]).when({ action: 'start' }, ctx(mingob)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it.each([
      ['assigned', isAssigned],
      ['returned', isReturned],
      ['blocked', () => isBlocked('in_progress')],
    ])('reassigns a %s task back to assigned', (_state, history) => {
      const state = given(history())
        .when(VALID.reassign, ctx(spp))
        .then([{ type: 'task.reassigned', data: { from: 'MINGOB', to: 'SIT' }, rationale: 'MINGOB no tiene personal asignado.' }]);
      expect(state).toMatchObject({ status: 'assigned', entity: 'SIT' });
    });

    it.each(['SPP', 'GAE', 'MINFIN'])('accepts %s (coordinator, technical reviewer, member) as the new responsible', (entity) => {
      const state = given(isAssigned())
        .when({ ...VALID.reassign, entity }, ctx(spp))
        .then([{ type: 'task.reassigned', data: { from: 'MINGOB', to: entity }, rationale: 'MINGOB no tiene personal asignado.' }]);
      expect(state.entity).toBe(entity);
    });

    it.each([
      ['without a rationale', { entity: 'SIT' }, ['rationale'], 'Para reasignar la tarea indique el motivo en «rationale».'],
      ['without an entity', { rationale: 'Motivo.' }, ['entity'], 'Indique la institución a la que se reasigna.'],
      ['to the same institution', { entity: 'MINGOB', rationale: 'Motivo.' }, ['entity'], 'La tarea ya está asignada a MINGOB.'],
      ['to an invited institution (PGN)', { entity: 'PGN', rationale: 'Motivo.' }, ['entity'], 'PGN no es coordinadora, revisora técnica ni miembro de la mesa TD.'],
      ['to an unknown institution (ONSEC)', { entity: 'ONSEC', rationale: 'Motivo.' }, ['entity'], 'ONSEC no es coordinadora, revisora técnica ni miembro de la mesa TD.'],
    ])('refuses a reassignment %s with 400', (_case, input, expectedFields, message) => {
      const error = given(inProgress())
        .when({ action: 'reassign', ...input }, ctx(spp))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(expectedFields);
      expect(error.errors[0].message.es).toBe(message);
    });

    it('reports both missing fields at once', () => {
      const error = given(inProgress()).when({ action: 'reassign' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale', 'entity']);
    });

    it.each([
      ['the responsible (MINGOB)', mingob],
      ['the commitment lead (MINFIN)', minfin],
      ['the technical reviewer (GAE)', gae],
    ])('refuses %s reassigning: only the coordinator may', (_who, actor) => {
      const error = given(inProgress()).when(VALID.reassign, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text).toEqual({ es: 'Solo SPP (coordinación) puede reasignar esta tarea.', en: 'Only SPP (coordinator) may reassign this task.' });
    });

    it.each([
      ['delivered', isDelivered],
      ['validated', isValidated],
      ['cancelled', isCancelled],
    ])('refuses to reassign a %s task with 409', (_state, history) => {
      given(history()).when(VALID.reassign, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  describe('cancel', () => {
    it.each([
      ['assigned', isAssigned],
      ['in_progress', inProgress],
      ['delivered', isDelivered],
      ['returned', isReturned],
      ['blocked', () => isBlocked('in_progress')],
    ] as const)('lets the coordinator cancel a %s task with a rationale', (from, history) => {
      const state = given(history())
        .when({ action: 'cancel', rationale: '  El hito se retiró del plan.  ' }, ctx(spp))
        .then([{ type: 'task.cancelled', data: { from }, rationale: 'El hito se retiró del plan.' }]);
      expect(state.status).toBe('cancelled');
      expect(allowedTaskActions(state, ctx(spp))).toEqual([]);
    });

    it.each([
      ['without a rationale', undefined],
      ['with a blank rationale', ' '],
    ])('refuses a cancellation %s with 400', (_case, rationale) => {
      const error = given(inProgress()).when({ action: 'cancel', rationale }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      expect(error.errors[0].message.es).toBe('Para cancelar la tarea indique el motivo en «rationale».');
    });

    it.each([
      ['the responsible (MINGOB)', mingob],
      ['the commitment lead (MINFIN)', minfin],
    ])('refuses %s cancelling: only the coordinator may', (_who, actor) => {
      const error = given(inProgress()).when(VALID.cancel, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('Solo SPP (coordinación) puede cancelar esta tarea.');
    });

    it.each([
      ['validated', isValidated, 'validada'],
      ['cancelled', isCancelled, 'cancelada'],
    ])('refuses to cancel a %s task with 409', (_state, history, label) => {
      const error = given(history()).when(VALID.cancel, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe(`La tarea está ${label}: no se puede cancelarla. Se puede cuando está asignada o en curso o entregada o devuelta o bloqueada.`);
    });
  });

  describe('who may act at all', () => {
    const outsiders: [string, Actor][] = [
      ['a member with no part in the task (SIT)', sit],
      ['an invited institution (PGN)', pgn],
      ['the technical reviewer (GAE)', gae],
      ["another table's institution (ONSEC)", onsec],
      ['an auditor', auditor],
      ['an admin', admin],
      ['an auditor who belongs to SPP', sppAuditor],
    ];
    const cases = outsiders.flatMap(([who, actor]) => TASK_ACTIONS.map((action) => [who, action, actor] as const));

    it.each(cases)('refuses %s the action %s with 403', (_who, action, actor) => {
      const history = { start: isAssigned, 'report-progress': inProgress, deliver: inProgress, validate: isDelivered, return: isDelivered, block: inProgress, unblock: isBlocked, reassign: inProgress, reschedule: inProgress, cancel: inProgress }[action];
      const error = given(history()).when(VALID[action], ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toMatch(/^Solo .+ puede .+ esta tarea\.$/);
    });
  });

  describe('refusal precedence (403 before 400 before 409)', () => {
    it('SIT cancelling without a rationale gets 403', () => {
      given(inProgress()).when({ action: 'cancel' }, ctx(sit)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('SPP cancelling a validated task without a rationale gets 400; with one, 409', () => {
      const error = given(isValidated()).when({ action: 'cancel' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      given(isValidated()).when(VALID.cancel, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });

    it('PGN reassigning to itself without a rationale gets 403', () => {
      given(inProgress()).when({ action: 'reassign', entity: 'PGN' }, ctx(pgn)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('MINGOB delivering an assigned task without evidence gets 400, not 409', () => {
      const error = given(isAssigned()).when({ action: 'deliver' }, ctx(mingob)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['evidence']);
    });

    it('the lead reporting progress with percent 101 gets 403, not 400', () => {
      given(inProgress()).when({ action: 'report-progress', percent: 101 }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('SPP reassigning a delivered task to PGN gets 400 (the input), not 409', () => {
      const error = given(isDelivered())
        .when({ action: 'reassign', entity: 'PGN', rationale: 'Motivo.' }, ctx(spp))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['entity']);
    });
  });

  describe('allowedTaskActions', () => {
    const who: [string, Actor][] = [
      ['responsible MINGOB', mingob],
      ['lead MINFIN', minfin],
      ['coordinator SPP', spp],
      ['auditor', auditor],
      ['admin', admin],
      ['member SIT', sit],
    ];

    it.each<[TaskStatus, TaskAction[][]]>([
      ['assigned', [['start', 'block'], [], ['block', 'reassign', 'reschedule', 'cancel'], [], [], []]],
      ['in_progress', [['report-progress', 'deliver', 'block'], [], ['block', 'reassign', 'reschedule', 'cancel'], [], [], []]],
      ['delivered', [[], ['validate', 'return'], ['validate', 'return', 'cancel'], [], [], []]],
      ['returned', [['start', 'block'], [], ['block', 'reassign', 'reschedule', 'cancel'], [], [], []]],
      ['blocked', [['unblock'], [], ['unblock', 'reassign', 'reschedule', 'cancel'], [], [], []]],
      ['validated', [[], [], [], [], [], []]],
      ['cancelled', [[], [], [], [], [], []]],
    ])('in state %s: for the responsible, the lead, the coordinator, an auditor, an admin, a bystander', (status, expected) => {
      const task = stateOf(HISTORY[status]());
      expect(who.map(([, actor]) => allowedTaskActions(task, ctx(actor)))).toEqual(expected);
    });

    it('leaves out validate for the deliverer that is also the lead, but not for the coordinator', () => {
      const task = stateOf(ownTaskDelivered());
      expect(allowedTaskActions(task, ctx(minfin))).toEqual(['return']);
      expect(allowedTaskActions(task, ctx(spp))).toEqual(['validate', 'return', 'cancel']);
    });

    it.each(Object.keys(HISTORY) as TaskStatus[])('in state %s, offers each actor exactly the actions decideTask accepts', (status) => {
      const task = stateOf(HISTORY[status]());
      for (const actor of [mingob, minfin, spp, gae, sit, pgn, auditor, admin]) {
        const accepted = TASK_ACTIONS.filter((action) => {
          try {
            decideTask(task, VALID[action], ctx(actor));
            return true;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            return false;
          }
        });
        expect({ actor: actor.id, actions: allowedTaskActions(task, ctx(actor)) }).toEqual({ actor: actor.id, actions: accepted });
      }
    });
  });
});
