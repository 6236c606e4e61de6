import { Actor, Mesa } from '../directory/directory.types';
import { DomainError, ErrorCode, Forbidden, InvalidTransition, ValidationFailed } from '../shared/errors';
import { sha256OfCanonical } from '../shared/sha256';
import { tasksForImplementation } from '../task/task.decider';
import { ACTION_PLAN_V1 } from '../workflow/action-plan.v1';
import { findDefinition } from '../workflow/registry';
import { DefinitionRef, PlanAction, PlanStatus, WorkflowDefinition } from '../workflow/workflow.types';
import { allowedActions, canEdit, decideAction, decideEdit, evolvePlan, openPlan, PlanActionCommand, PlanContext } from './plan.decider';
import { ObservationRaised, ObservationResponse, PlanNewEvent, PlanRecordedEvent } from './plan.events';
import { Commitment, PlanContent, PlanState, PlanTaskRef } from './plan.types';

// ---------------------------------------------------------------------------------------
// Factories: the Digital Transformation table, its people, and a plan with two
// commitments and three milestones.
// ---------------------------------------------------------------------------------------

const PLAN_ID = '0b6f3c1e-5a7d-4c0e-9a53-2f1d8e7c6b10';
const NOW = '2024-10-15T16:00:00.000Z';
const definitionOf = (ref: DefinitionRef): WorkflowDefinition => {
  const found = findDefinition(ref);
  if (!found) throw new Error(`no definition ${ref.id}@${ref.version}`);
  return found;
};

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
const spp2 = official('SPP', 2);
const gae = official('GAE');
const gae2 = official('GAE', 2);
const minfin = official('MINFIN');
const minfin2 = official('MINFIN', 2);
const mingob = official('MINGOB');
const pgn = official('PGN');
/** ONSEC coordinates the Civil Service table, not this one. */
const onsec = official('ONSEC');
const auditor: Actor = { id: 'auditor-1', name: 'Auditora de la Contraloría', entity: 'CGC', roles: ['auditor'] };
const admin: Actor = { id: 'admin-1', name: 'Administrador', entity: null, roles: ['admin'] };
/** Belonging to SPP does not make an auditor or admin an official of SPP. */
const sppAuditor: Actor = { id: 'auditor-spp', name: 'Auditor interno de SPP', entity: 'SPP', roles: ['auditor'] };
const sppAdmin: Actor = { id: 'admin-spp', name: 'Administrador de SPP', entity: 'SPP', roles: ['admin'] };

/** The 403 an actor is given: officials of another institution hear who may act; admins and auditors, that they do not decide. */
const onlyFor = (actor: Actor, who: string, act: string) =>
  actor.roles.includes('official')
    ? `Solo ${who} puede ${act}.`
    : `Solo una persona con el rol official de ${who} puede ${act}; esta cuenta (${actor.roles.join(', ')}) no decide en los planes.`;

function content(overrides: Partial<PlanContent> = {}): PlanContent {
  return {
    title: 'Plan de acción de la Mesa de Transformación Digital 2024',
    objective: 'Un Estado que atiende en línea, seguro y para todos.',
    commitments: [
      {
        ref: 'C1',
        title: 'Ventanilla única de trámites en línea',
        description: 'Eje de gobierno digital.',
        leadEntity: 'MINFIN',
        supportEntities: ['SIT', 'PGN'],
        milestones: [
          { ref: 'H1', title: 'Catálogo de trámites publicado', dueDate: '2024-11-30' },
          { ref: 'H2', title: 'Diez trámites piloto en línea', dueDate: '2025-03-31', responsibleEntity: 'SIT' },
        ],
      },
      {
        ref: 'C2',
        title: 'Estrategia nacional de ciberseguridad',
        leadEntity: 'MINGOB',
        milestones: [{ ref: 'H1', title: 'Estrategia aprobada', dueDate: '2025-06-30' }],
      },
    ],
    ...overrides,
  };
}

/** The default content with one commitment changed. */
function withCommitment(index: number, change: Partial<Commitment>): PlanContent {
  const base = content();
  base.commitments[index] = { ...base.commitments[index], ...change };
  return base;
}

const TASKS: PlanTaskRef[] = [
  { taskId: 'task-1', commitmentRef: 'C1', milestoneRef: 'H1' },
  { taskId: 'task-2', commitmentRef: 'C1', milestoneRef: 'H2' },
  { taskId: 'task-3', commitmentRef: 'C2', milestoneRef: 'H1' },
];
const PRESENTATION = { date: '2024-10-31', forum: 'Gabinete de Gobierno' };

// ---------------------------------------------------------------------------------------
// Recorded events, as the event store would hand them to evolve.
// ---------------------------------------------------------------------------------------

type Step = [Actor, PlanNewEvent];
const recordedAt = (version: number) => new Date(Date.UTC(2024, 9, 1, 14, version)).toISOString();

function record(event: PlanNewEvent, actor: Actor, version: number): PlanRecordedEvent {
  return {
    streamId: `plan-${PLAN_ID}`,
    version,
    type: event.type,
    data: event.data,
    metadata: {
      actorId: actor.id,
      actorName: actor.name,
      entity: actor.entity,
      workflow: 'action-plan@1',
      ...(event.rationale !== undefined ? { rationale: event.rationale } : {}),
      ...(event.revision !== undefined ? { revision: event.revision } : {}),
    },
    recordedAt: recordedAt(version),
  } as PlanRecordedEvent;
}

function history(...steps: Step[]): PlanRecordedEvent[] {
  return steps.map(([actor, event], i) => record(event, actor, i + 1));
}

const opened = (by: Actor = minfin, c: PlanContent = content()): Step => [
  by,
  { type: 'plan.opened', data: { planId: PLAN_ID, mesa: 'TD', definition: { id: 'action-plan', version: 1 }, drafter: by.entity as string, content: c } },
];
const edited = (c: PlanContent, by: Actor = minfin): Step => [by, { type: 'plan.content-edited', data: { content: c } }];
const submitted = (revision: number, by: Actor = minfin, c: PlanContent = content(), responses: ObservationResponse[] = []): Step => [
  by,
  { type: 'plan.submitted', data: { revision, sha256: sha256OfCanonical(c), content: c, responses }, revision },
];
const approved = (revision = 1, by: Actor = gae): Step => [by, { type: 'plan.approved', data: {}, revision }];
const changesRequested = (observations: ObservationRaised[], revision = 1, by: Actor = gae): Step => [
  by,
  { type: 'plan.changes-requested', data: { observations }, rationale: 'El plan necesita ajustes.', revision },
];
const endorsed = (revision = 1, by: Actor = spp): Step => [by, { type: 'plan.endorsed', data: {}, revision }];
const returned = (from: PlanStatus, revision = 1, by: Actor = spp): Step => [
  by,
  { type: 'plan.returned', data: { from }, rationale: 'Falta el presupuesto.', revision },
];
const presentationRecorded = (revision = 1, by: Actor = spp): Step => [
  by,
  { type: 'plan.presentation-recorded', data: { presentation: PRESENTATION, tasks: TASKS }, revision },
];
const completed = (revision = 1, by: Actor = spp): Step => [by, { type: 'plan.completed', data: { openTasks: 0 }, revision }];
const withdrawn = (from: PlanStatus, revision = 0, by: Actor = spp): Step => [
  by,
  { type: 'plan.withdrawn', data: { from }, rationale: 'La mesa cambió de prioridades.', revision },
];

/** A plan drafted by MINFIN, walked along the happy path up to each state. */
const inDraft = (): Step[] => [opened()];
const inTechnicalReview = (): Step[] => [...inDraft(), submitted(1)];
const inEndorsement = (): Step[] => [...inTechnicalReview(), approved(1)];
const inPresentation = (): Step[] => [...inEndorsement(), endorsed(1)];
const inImplementation = (): Step[] => [...inPresentation(), presentationRecorded(1)];
const isCompleted = (): Step[] => [...inImplementation(), completed(1)];
const isWithdrawn = (): Step[] => [...inDraft(), withdrawn('draft', 0)];

const ctx = (actor: Actor, extra: Partial<PlanContext> = {}): PlanContext => ({ actor, mesa: mesa(), now: NOW, ...extra });

// ---------------------------------------------------------------------------------------
// given / when / then
// ---------------------------------------------------------------------------------------

type Command = { open: PlanContent; planId?: string } | { edit: PlanContent } | PlanActionCommand;
type ErrorClass<E extends DomainError> = new (...args: never[]) => E;

function fold(events: PlanRecordedEvent[], from: PlanState | null = null): PlanState | null {
  return events.reduce<PlanState | null>((state, event) => evolvePlan(state, event, definitionOf), from);
}

function given(events: PlanRecordedEvent[]) {
  const state = fold(events);
  return {
    state,
    when(command: Command, context: PlanContext) {
      const decide = (): PlanNewEvent[] => {
        if ('open' in command) return openPlan(ACTION_PLAN_V1, command.planId ?? PLAN_ID, command.open, context);
        if (!state) throw new Error('given([]) can only open a plan');
        if ('edit' in command) return decideEdit(ACTION_PLAN_V1, state, command.edit, context);
        return decideAction(ACTION_PLAN_V1, state, command, context);
      };
      return {
        /** Asserts the decided events and returns the state after evolving them. */
        then(expected: PlanNewEvent[]): PlanState {
          const events = decide();
          expect(events).toEqual(expected);
          const version = state?.version ?? 0;
          return fold(
            events.map((event, i) => record(event, context.actor, version + i + 1)),
            state,
          ) as PlanState;
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

// ---------------------------------------------------------------------------------------
// Opening a plan
// ---------------------------------------------------------------------------------------

describe('plan decider (action-plan@1)', () => {
  describe('opening a plan', () => {
    it('lets a member official open a plan: the member becomes the drafter and the plan starts as a draft', () => {
      const state = given([])
        .when({ open: content() }, ctx(minfin))
        .then([
          {
            type: 'plan.opened',
            data: { planId: PLAN_ID, mesa: 'TD', definition: { id: 'action-plan', version: 1 }, drafter: 'MINFIN', content: content() },
          },
        ]);
      expect(state).toMatchObject({
        id: PLAN_ID,
        mesa: 'TD',
        definition: { id: 'action-plan', version: 1 },
        status: 'draft',
        version: 1,
        drafter: 'MINFIN',
        openedBy: 'minfin-1',
        revision: 0,
        revisions: [],
        observations: [],
        tasks: [],
        createdAt: recordedAt(1),
        updatedAt: recordedAt(1),
      });
      expect(state.content).toEqual(content());
    });

    it('lets the coordinator open a plan, as its drafter', () => {
      const [event] = openPlan(ACTION_PLAN_V1, PLAN_ID, content(), ctx(spp));
      expect(event.type).toBe('plan.opened');
      expect(event.data).toMatchObject({ drafter: 'SPP', mesa: 'TD' });
    });

    it.each([
      ['an invited institution (PGN)', pgn],
      ['the technical reviewer (GAE), which is not a member', gae],
      ["another table's institution (ONSEC)", onsec],
      ['an auditor', auditor],
      ['an admin', admin],
      ['an auditor who belongs to SPP', sppAuditor],
      ['an admin who belongs to SPP', sppAdmin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given([]).when({ open: content() }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toContain('mesa TD');
    });

    it('refuses before validating: an invited institution with invalid content gets 403, not 400', () => {
      given([])
        .when({ open: withCommitment(0, { leadEntity: 'PGN' }) }, ctx(pgn))
        .thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('refuses an invited institution as a commitment lead', () => {
      const error = given([])
        .when({ open: withCommitment(1, { leadEntity: 'PGN' }) }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[1].leadEntity']);
      expect(error.errors[0].message.es).toBe('PGN es institución invitada de la mesa TD: puede apoyar un compromiso, pero no liderarlo.');
    });

    it('refuses an invited institution as the responsible of a milestone', () => {
      const c = content();
      c.commitments[0].milestones[1].responsibleEntity = 'PGN';
      const error = given([]).when({ open: c }, ctx(minfin)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[0].milestones[1].responsibleEntity']);
      expect(error.errors[0].message.es).toContain('PGN no puede ser responsable');
    });

    it('refuses a lead or a supporter that does not take part in the table', () => {
      const error = given([])
        .when({ open: withCommitment(0, { leadEntity: 'ONSEC', supportEntities: ['SIT', 'INAP'] }) }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[0].leadEntity', 'commitments[0].supportEntities[1]']);
      expect(error.errors[0].message.es).toBe('ONSEC no es coordinadora, revisora técnica ni miembro de la mesa TD.');
      expect(error.errors[1].message.es).toBe('INAP no participa en la mesa TD.');
    });

    it('accepts an invited institution among the supporters of a commitment', () => {
      const [second] = given([])
        .when({ open: withCommitment(1, { supportEntities: ['PGN', 'SIT'] }) }, ctx(minfin))
        .then([
          {
            type: 'plan.opened',
            data: {
              planId: PLAN_ID,
              mesa: 'TD',
              definition: { id: 'action-plan', version: 1 },
              drafter: 'MINFIN',
              content: withCommitment(1, { supportEntities: ['PGN', 'SIT'] }),
            },
          },
        ]).content.commitments.slice(1);
      expect(second.supportEntities).toEqual(['PGN', 'SIT']);
    });

    it('refuses repeated commitment references', () => {
      const error = given([])
        .when({ open: withCommitment(1, { ref: 'C1' }) }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[1].ref']);
    });

    it('refuses repeated milestone references within a commitment, but not across commitments', () => {
      const c = content();
      c.commitments[0].milestones[1].ref = 'H1';
      const error = given([]).when({ open: c }, ctx(minfin)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[0].milestones[1].ref']);
      // The default content has H1 in both C1 and C2: accepted.
      expect(openPlan(ACTION_PLAN_V1, PLAN_ID, content(), ctx(minfin))).toHaveLength(1);
    });

    it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-04-31', '31/10/2024', '2024-10-1', '2024-10-31T00:00:00Z', ''])(
      'refuses the due date %p',
      (dueDate) => {
        const c = content();
        c.commitments[1].milestones[0].dueDate = dueDate;
        const error = given([]).when({ open: c }, ctx(minfin)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
        expect(fields(error)).toEqual(['commitments[1].milestones[0].dueDate']);
      },
    );

    it.each(['2024-02-29', '2020-01-15', '2024-12-31'])('accepts the due date %p (leap days and past dates too)', (dueDate) => {
      const c = content();
      c.commitments[1].milestones[0].dueDate = dueDate;
      const [event] = openPlan(ACTION_PLAN_V1, PLAN_ID, c, ctx(minfin));
      expect(event.type === 'plan.opened' && event.data.content.commitments[1].milestones[0].dueDate).toBe(dueDate);
    });

    it('reports every content error at once', () => {
      const c = content({ title: '   ' });
      c.commitments[0].leadEntity = 'PGN';
      c.commitments[1].milestones[0].dueDate = '2024-02-30';
      const error = given([]).when({ open: c }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['title', 'commitments[0].leadEntity', 'commitments[1].milestones[0].dueDate']);
      expect(error.text.es).toBe('La solicitud tiene datos inválidos.');
    });
  });

  // -------------------------------------------------------------------------------------
  // draft -> (edit) -> draft
  // -------------------------------------------------------------------------------------

  describe('editing the draft', () => {
    const revised = withCommitment(1, { title: 'Estrategia y CSIRT nacional' });

    it.each([
      ['the drafter (MINFIN)', minfin],
      ['another official of the drafter', minfin2],
      ['the coordinator (SPP)', spp],
    ])('lets %s edit the content', (_who, actor) => {
      const state = given(history(...inDraft()))
        .when({ edit: revised }, ctx(actor))
        .then([{ type: 'plan.content-edited', data: { content: revised } }]);
      expect(state).toMatchObject({ status: 'draft', version: 2, revision: 0, revisions: [], updatedAt: recordedAt(2) });
      expect(state.content.commitments[1].title).toBe('Estrategia y CSIRT nacional');
    });

    it.each([
      ['another member (MINGOB)', mingob],
      ['the technical reviewer (GAE)', gae],
      ['an invited institution (PGN)', pgn],
      ['an auditor', auditor],
      ['an admin', admin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given(history(...inDraft())).when({ edit: revised }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('Solo MINFIN (la institución redactora) o SPP (la institución coordinadora) puede editar este plan.');
    });

    it('refuses invalid content with 400', () => {
      const error = given(history(...inDraft()))
        .when({ edit: withCommitment(0, { leadEntity: 'PGN' }) }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[0].leadEntity']);
    });

    it.each([
      ['technical_review', inTechnicalReview, 'revisión técnica'],
      ['endorsement', inEndorsement, 'aval'],
      ['implementation', inImplementation, 'implementación'],
    ])('refuses edits while the plan is in %s with 409', (_status, steps, label) => {
      const error = given(history(...steps()))
        .when({ edit: revised }, ctx(minfin))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toContain(`El plan está en ${label}: solo se puede editar en borrador.`);
    });

    it('checks 403, then 400, then 409', () => {
      const bad = withCommitment(0, { leadEntity: 'PGN' });
      given(history(...inTechnicalReview())).when({ edit: bad }, ctx(mingob)).thenRefused(Forbidden, 'FORBIDDEN');
      given(history(...inTechnicalReview())).when({ edit: bad }, ctx(minfin)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      given(history(...inTechnicalReview())).when({ edit: revised }, ctx(minfin)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  // -------------------------------------------------------------------------------------
  // draft -> submit -> technical_review
  // -------------------------------------------------------------------------------------

  describe('submit', () => {
    it('freezes the content as revision 1 with its SHA-256 and sends the plan to technical review', () => {
      const state = given(history(...inDraft()))
        .when({ action: 'submit' }, ctx(minfin))
        .then([
          {
            type: 'plan.submitted',
            data: { revision: 1, sha256: sha256OfCanonical(content()), content: content(), responses: [] },
            revision: 1,
          },
        ]);
      expect(state).toMatchObject({ status: 'technical_review', version: 2, revision: 1 });
      expect(state.revisions).toEqual([
        { number: 1, sha256: sha256OfCanonical(content()), submittedBy: 'minfin-1', submittedByEntity: 'MINFIN', submittedAt: recordedAt(2) },
      ]);
      expect(state.revisions[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('lets the coordinator submit a plan a member drafted', () => {
      const state = given(history(...inDraft()))
        .when({ action: 'submit' }, ctx(spp))
        .then([{ type: 'plan.submitted', data: { revision: 1, sha256: sha256OfCanonical(content()), content: content(), responses: [] }, revision: 1 }]);
      expect(state.revisions[0]).toMatchObject({ submittedBy: 'spp-1', submittedByEntity: 'SPP' });
    });

    it('hashes the content as edited, and the hash changes when the content changes', () => {
      const revised = withCommitment(0, { title: 'Ventanilla única y pagos en línea' });
      const [event] = given(history(...inDraft(), edited(revised))).when({ action: 'submit' }, ctx(minfin)).then([
        { type: 'plan.submitted', data: { revision: 1, sha256: sha256OfCanonical(revised), content: revised, responses: [] }, revision: 1 },
      ]).revisions;
      expect(event.sha256).toBe(sha256OfCanonical(revised));
      expect(event.sha256).not.toBe(sha256OfCanonical(content()));
    });

    it('hashes the canonical form: the same content with keys in another order has the same SHA-256', () => {
      const c = content();
      const reordered: PlanContent = { commitments: c.commitments, objective: c.objective, title: c.title };
      const [event] = decideAction(ACTION_PLAN_V1, fold(history(opened(minfin, reordered)))!, { action: 'submit' }, ctx(minfin));
      expect(event.type === 'plan.submitted' && event.data.sha256).toBe(sha256OfCanonical(content()));
    });

    it.each([
      ['another member (MINGOB)', mingob],
      ['the technical reviewer (GAE)', gae],
      ['an invited institution (PGN)', pgn],
      ["another table's institution (ONSEC)", onsec],
      ['an auditor', auditor],
      ['an admin', admin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given(history(...inDraft())).when({ action: 'submit' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe(onlyFor(actor, 'MINFIN (la institución redactora) o SPP (la institución coordinadora)', 'enviar este plan a revisión técnica'));
    });

    it('refuses to submit a plan already in technical review', () => {
      const error = given(history(...inTechnicalReview()))
        .when({ action: 'submit' }, ctx(minfin))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toContain('revisión técnica');
    });

    it('refuses to submit a plan without commitments, or with a commitment without milestones', () => {
      given(history(opened(minfin, content({ commitments: [] }))))
        .when({ action: 'submit' }, ctx(minfin))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      const error = given(history(opened(minfin, withCommitment(1, { milestones: [] }))))
        .when({ action: 'submit' }, ctx(minfin))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.en).toContain('each commitment at least one milestone');
    });
  });

  // -------------------------------------------------------------------------------------
  // technical_review -> approve -> endorsement
  // -------------------------------------------------------------------------------------

  describe('approve', () => {
    it('lets the technical reviewer approve: the decision names revision 1 and the plan goes to endorsement', () => {
      const state = given(history(...inTechnicalReview()))
        .when({ action: 'approve' }, ctx(gae))
        .then([{ type: 'plan.approved', data: {}, revision: 1 }]);
      expect(state).toMatchObject({ status: 'endorsement', revision: 1, version: 3 });
      expect(state.revisions).toHaveLength(1);
    });

    it('records an optional rationale, trimmed', () => {
      const [event] = decideAction(ACTION_PLAN_V1, fold(history(...inTechnicalReview()))!, { action: 'approve', rationale: '  Cumple los lineamientos.  ' }, ctx(gae));
      expect(event).toEqual({ type: 'plan.approved', data: {}, rationale: 'Cumple los lineamientos.', revision: 1 });
    });

    it.each([
      ['a member (MINFIN, the drafter)', minfin],
      ['the coordinator (SPP)', spp],
      ['an invited institution (PGN)', pgn],
      ['an auditor', auditor],
      ['an admin', admin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given(history(...inTechnicalReview())).when({ action: 'approve' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe(onlyFor(actor, 'GAE (la institución revisora técnica)', 'aprobar este plan'));
    });

    it('refuses to approve a draft, saying who must submit it first', () => {
      const error = given(history(...inDraft())).when({ action: 'approve' }, ctx(gae)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe(
        'El plan está en borrador: primero MINFIN (la institución redactora) o SPP (la institución coordinadora) debe enviar el plan a revisión técnica; solo entonces se podrá aprobar el plan.',
      );
    });

    it('refuses to approve a plan already in endorsement', () => {
      const error = given(history(...inEndorsement())).when({ action: 'approve' }, ctx(gae)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('No se puede aprobar un plan en aval.');
    });
  });

  // -------------------------------------------------------------------------------------
  // technical_review -> request-changes -> draft
  // -------------------------------------------------------------------------------------

  describe('request-changes', () => {
    const observations = [
      { text: '  Falta la línea de base del indicador.  ' },
      { text: 'Precisar el alcance del piloto.', blocking: false, commitmentRef: 'C1' },
    ];

    it('returns the plan to draft with numbered observations, blocking by default', () => {
      const state = given(history(...inTechnicalReview()))
        .when({ action: 'request-changes', rationale: 'Revisión técnica del 10 de octubre.', observations }, ctx(gae))
        .then([
          {
            type: 'plan.changes-requested',
            data: {
              observations: [
                { id: 'obs-1', text: 'Falta la línea de base del indicador.', blocking: true },
                { id: 'obs-2', text: 'Precisar el alcance del piloto.', blocking: false, commitmentRef: 'C1' },
              ],
            },
            rationale: 'Revisión técnica del 10 de octubre.',
            revision: 1,
          },
        ]);
      expect(state).toMatchObject({ status: 'draft', revision: 1, version: 3 });
      expect(state.observations).toEqual([
        { id: 'obs-1', text: 'Falta la línea de base del indicador.', blocking: true, raisedBy: 'gae-1', raisedByEntity: 'GAE', raisedOnRevision: 1, raisedAt: recordedAt(3) },
        {
          id: 'obs-2',
          text: 'Precisar el alcance del piloto.',
          blocking: false,
          commitmentRef: 'C1',
          raisedBy: 'gae-1',
          raisedByEntity: 'GAE',
          raisedOnRevision: 1,
          raisedAt: recordedAt(3),
        },
      ]);
    });

    it('numbers the observations of a later round after the earlier ones', () => {
      const [event] = given(
        history(
          ...inTechnicalReview(),
          changesRequested([{ id: 'obs-1', text: 'Uno', blocking: false }, { id: 'obs-2', text: 'Dos', blocking: false }]),
          submitted(2),
        ),
      )
        .when({ action: 'request-changes', rationale: 'Segunda ronda.', observations: [{ text: 'Tres' }] }, ctx(gae))
        .then([{ type: 'plan.changes-requested', data: { observations: [{ id: 'obs-3', text: 'Tres', blocking: true }] }, rationale: 'Segunda ronda.', revision: 2 }])
        .observations.slice(2);
      expect(event).toMatchObject({ id: 'obs-3', raisedOnRevision: 2 });
    });

    it.each([undefined, '', '   '])('refuses a missing rationale (%p) with 400 on field "rationale"', (rationale) => {
      const error = given(history(...inTechnicalReview()))
        .when({ action: 'request-changes', rationale, observations }, ctx(gae))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      expect(error.errors[0].message.es).toBe('Para solicitar cambios al plan debe indicar el motivo en «rationale».');
      expect(error.errors[0].message.en).toBe('A rationale is required to request changes to the plan.');
    });

    it.each([undefined, []])('refuses %p observations with 400 on field "observations"', (none) => {
      const error = given(history(...inTechnicalReview()))
        .when({ action: 'request-changes', rationale: 'Ajustes.', observations: none }, ctx(gae))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['observations']);
    });

    it('reports a missing rationale and missing observations together', () => {
      const error = given(history(...inTechnicalReview())).when({ action: 'request-changes' }, ctx(gae)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale', 'observations']);
    });

    it('refuses an empty observation and an observation on a commitment the plan does not have', () => {
      const error = given(history(...inTechnicalReview()))
        .when({ action: 'request-changes', rationale: 'Ajustes.', observations: [{ text: ' ' }, { text: 'Sobre C9', commitmentRef: 'C9' }] }, ctx(gae))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['observations[0].text', 'observations[1].commitmentRef']);
    });

    it.each([
      ['the drafter (MINFIN)', minfin],
      ['the coordinator (SPP)', spp],
      ['an auditor', auditor],
    ])('refuses %s with 403, even without rationale or observations', (_who, actor) => {
      given(history(...inTechnicalReview())).when({ action: 'request-changes' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('refuses to request changes on a plan in endorsement', () => {
      given(history(...inEndorsement()))
        .when({ action: 'request-changes', rationale: 'Tarde.', observations: [{ text: 'X' }] }, ctx(gae))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  // -------------------------------------------------------------------------------------
  // Resubmission: blocking observations, responses, revision numbering
  // -------------------------------------------------------------------------------------

  describe('resubmission after changes were requested', () => {
    const raised: ObservationRaised[] = [
      { id: 'obs-1', text: 'Falta la línea de base.', blocking: true },
      { id: 'obs-2', text: 'Sugerencia de redacción.', blocking: false, commitmentRef: 'C2' },
    ];
    const changesSteps = (): Step[] => [...inTechnicalReview(), changesRequested(raised)];
    const afterChanges = () => history(...changesSteps());

    it('refuses a resubmission while a blocking observation is unanswered, naming it', () => {
      const error = given(afterChanges()).when({ action: 'submit' }, ctx(minfin)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('Responda las observaciones bloqueantes antes de enviar el plan: obs-1.');
      expect(error.text.en).not.toContain('obs-2');
    });

    it('accepts the resubmission when the submit answers the blocking observation: revision 2, answer recorded', () => {
      const responses = [{ observationId: 'obs-1', response: 'Línea de base añadida: 12 trámites en línea (2023).' }];
      const state = given(afterChanges())
        .when({ action: 'submit', responses }, ctx(minfin2))
        .then([{ type: 'plan.submitted', data: { revision: 2, sha256: sha256OfCanonical(content()), content: content(), responses }, revision: 2 }]);
      expect(state).toMatchObject({ status: 'technical_review', revision: 2, version: 4 });
      expect(state.revisions.map((r) => [r.number, r.submittedBy])).toEqual([
        [1, 'minfin-1'],
        [2, 'minfin-2'],
      ]);
      expect(state.observations[0]).toMatchObject({
        id: 'obs-1',
        response: 'Línea de base añadida: 12 trámites en línea (2023).',
        respondedBy: 'minfin-2',
        respondedAt: recordedAt(4),
      });
      expect(state.observations[1].response).toBeUndefined();
    });

    it('does not hold a resubmission for non-blocking observations', () => {
      const nonBlocking = history(...inTechnicalReview(), changesRequested([{ id: 'obs-1', text: 'Sugerencia.', blocking: false }]));
      const state = given(nonBlocking)
        .when({ action: 'submit' }, ctx(minfin))
        .then([{ type: 'plan.submitted', data: { revision: 2, sha256: sha256OfCanonical(content()), content: content(), responses: [] }, revision: 2 }]);
      expect(state.status).toBe('technical_review');
    });

    it('does not ask again for a blocking observation answered in an earlier submission', () => {
      const responses = [{ observationId: 'obs-1', response: 'Hecho.' }];
      const steps = history(
        ...changesSteps(),
        submitted(2, minfin, content(), responses),
        changesRequested([{ id: 'obs-3', text: 'Otra cosa, no bloqueante.', blocking: false }], 2),
      );
      const state = given(steps)
        .when({ action: 'submit' }, ctx(minfin))
        .then([{ type: 'plan.submitted', data: { revision: 3, sha256: sha256OfCanonical(content()), content: content(), responses: [] }, revision: 3 }]);
      expect(state.revision).toBe(3);
      expect(state.observations.find((o) => o.id === 'obs-1')?.response).toBe('Hecho.');
    });

    it('refuses responses to observations the plan does not have', () => {
      const error = given(afterChanges())
        .when({ action: 'submit', responses: [{ observationId: 'obs-1', response: 'Ok.' }, { observationId: 'obs-9', response: 'Ok.' }] }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['responses[1].observationId']);
      expect(error.errors[0].message.es).toBe('El plan no tiene la observación «obs-9».');
    });

    it('refuses an empty response', () => {
      const error = given(afterChanges())
        .when({ action: 'submit', responses: [{ observationId: 'obs-1', response: '  ' }] }, ctx(minfin))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['responses[0].response']);
    });

    it('gives each revision its own hash: unchanged content keeps the hash, edited content changes it', () => {
      const responses = [{ observationId: 'obs-1', response: 'Hecho.' }];
      const unchanged = given(afterChanges()).when({ action: 'submit', responses }, ctx(minfin)).then([
        { type: 'plan.submitted', data: { revision: 2, sha256: sha256OfCanonical(content()), content: content(), responses }, revision: 2 },
      ]);
      expect(unchanged.revisions[1].sha256).toBe(unchanged.revisions[0].sha256);

      const revised = withCommitment(0, { title: 'Ventanilla única con línea de base' });
      const afterEdit = history(...changesSteps(), edited(revised));
      const changed = given(afterEdit).when({ action: 'submit', responses }, ctx(minfin)).then([
        { type: 'plan.submitted', data: { revision: 2, sha256: sha256OfCanonical(revised), content: revised, responses }, revision: 2 },
      ]);
      expect(changed.revisions[1].sha256).toBe(sha256OfCanonical(revised));
      expect(changed.revisions[1].sha256).not.toBe(changed.revisions[0].sha256);
    });

    it('names the revision being decided on in later decisions', () => {
      const responses = [{ observationId: 'obs-1', response: 'Hecho.' }];
      const review2 = history(...changesSteps(), submitted(2, minfin, content(), responses));
      given(review2).when({ action: 'approve' }, ctx(gae)).then([{ type: 'plan.approved', data: {}, revision: 2 }]);
    });
  });

  // -------------------------------------------------------------------------------------
  // Four eyes
  // -------------------------------------------------------------------------------------

  describe('four eyes: who submitted a revision may not approve or endorse it', () => {
    /** A table where GAE is also a member, so a GAE official can draft and submit. */
    const reviewerIsMember = mesa({ members: ['MINFIN', 'MINGOB', 'SIT', 'GAE'] });
    const submittedByGae = () => history(opened(gae), submitted(1, gae));

    it('refuses the technical reviewer official who submitted the revision (403)', () => {
      const error = given(submittedByGae())
        .when({ action: 'approve' }, ctx(gae, { mesa: reviewerIsMember }))
        .thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe('Usted envió la revisión 1; otra persona debe aprobar la revisión (principio de cuatro ojos).');
    });

    it('lets another official of the same institution approve it', () => {
      given(submittedByGae())
        .when({ action: 'approve' }, ctx(gae2, { mesa: reviewerIsMember }))
        .then([{ type: 'plan.approved', data: {}, revision: 1 }]);
    });

    it('refuses the coordinator official who submitted the revision when endorsing (403)', () => {
      const steps = history(opened(minfin), submitted(1, spp), approved(1));
      const error = given(steps).when({ action: 'endorse' }, ctx(spp)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toContain('revisión 1');
      expect(error.text.en).toBe('You submitted revision 1; someone else must endorse it (four-eyes principle).');
      given(steps).when({ action: 'endorse' }, ctx(spp2)).then([{ type: 'plan.endorsed', data: {}, revision: 1 }]);
    });

    it('applies to the revision being decided on only: the submitter of revision 1 may endorse revision 2', () => {
      const steps = history(
        opened(minfin),
        submitted(1, spp),
        changesRequested([{ id: 'obs-1', text: 'Ajuste.', blocking: false }]),
        submitted(2, minfin),
        approved(2),
      );
      given(steps).when({ action: 'endorse' }, ctx(spp)).then([{ type: 'plan.endorsed', data: {}, revision: 2 }]);
    });

    it('comes before the request checks: the submitter gets 403 even with an invalid response', () => {
      const steps = history(opened(minfin), submitted(1, spp), approved(1));
      given(steps)
        .when({ action: 'endorse', responses: [{ observationId: 'obs-9', response: '' }] }, ctx(spp))
        .thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('does not stop the submitter from other actions (return, withdraw)', () => {
      const steps = history(opened(minfin), submitted(1, spp), approved(1));
      given(steps)
        .when({ action: 'return', rationale: 'Falta presupuesto.' }, ctx(spp))
        .then([{ type: 'plan.returned', data: { from: 'endorsement' }, rationale: 'Falta presupuesto.', revision: 1 }]);
      expect(allowedActions(ACTION_PLAN_V1, fold(steps)!, ctx(spp)).sort()).toEqual(['return', 'withdraw']);
      expect(allowedActions(ACTION_PLAN_V1, fold(steps)!, ctx(spp2)).sort()).toEqual(['endorse', 'return', 'withdraw']);
    });
  });

  // -------------------------------------------------------------------------------------
  // endorsement -> endorse -> presentation ; endorsement -> return -> draft
  // -------------------------------------------------------------------------------------

  describe('endorse', () => {
    it('lets the coordinator endorse: the plan goes to presentation', () => {
      const state = given(history(...inEndorsement()))
        .when({ action: 'endorse', rationale: 'Avalado en sesión de mesa.' }, ctx(spp))
        .then([{ type: 'plan.endorsed', data: {}, rationale: 'Avalado en sesión de mesa.', revision: 1 }]);
      expect(state).toMatchObject({ status: 'presentation', revision: 1, version: 4 });
    });

    it('accepts an endorsement without rationale', () => {
      given(history(...inEndorsement())).when({ action: 'endorse' }, ctx(spp)).then([{ type: 'plan.endorsed', data: {}, revision: 1 }]);
    });

    it.each([
      ['the technical reviewer (GAE)', gae],
      ['a member (MINFIN)', minfin],
      ['an invited institution (PGN)', pgn],
      ['an auditor', auditor],
      ['an admin', admin],
      ['an admin of SPP itself', sppAdmin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given(history(...inEndorsement())).when({ action: 'endorse' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe(onlyFor(actor, 'SPP (la institución coordinadora)', 'avalar este plan'));
    });

    it('refuses to endorse during technical review, saying GAE must approve first', () => {
      const error = given(history(...inTechnicalReview())).when({ action: 'endorse' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toContain('GAE');
      expect(error.text.es).toContain('aprobar');
      expect(error.text.es).toBe('El plan está en revisión técnica: primero GAE (la institución revisora técnica) debe aprobar el plan; solo entonces se podrá avalar el plan.');
    });

    it('refuses to endorse a draft', () => {
      given(history(...inDraft())).when({ action: 'endorse' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });
  });

  describe('return', () => {
    it.each([
      ['endorsement', inEndorsement],
      ['presentation', inPresentation],
    ] as const)('lets the coordinator return a plan in %s to draft, with a rationale', (from, steps) => {
      const before = fold(history(...steps()))!;
      const state = given(history(...steps()))
        .when({ action: 'return', rationale: '  Falta el costeo de los hitos.  ' }, ctx(spp))
        .then([{ type: 'plan.returned', data: { from }, rationale: 'Falta el costeo de los hitos.', revision: 1 }]);
      expect(state).toMatchObject({ status: 'draft', revision: 1, version: before.version + 1 });
      expect(state.revisions).toHaveLength(1);
    });

    it.each([
      ['endorsement', inEndorsement],
      ['presentation', inPresentation],
    ])('refuses to return a plan in %s without a rationale (400, field "rationale")', (_from, steps) => {
      const error = given(history(...steps())).when({ action: 'return', rationale: ' ' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      expect(error.errors[0].message.es).toBe('Para devolver el plan debe indicar el motivo en «rationale».');
    });

    it.each([
      ['the technical reviewer (GAE)', gae],
      ['the drafter (MINFIN)', minfin],
      ['an auditor', auditor],
    ])('refuses %s with 403', (_who, actor) => {
      given(history(...inPresentation())).when({ action: 'return', rationale: 'Motivo.' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it.each([
      ['draft', inDraft],
      ['technical_review', inTechnicalReview],
      ['implementation', inImplementation],
    ])('refuses to return a plan in %s (409)', (_status, steps) => {
      given(history(...steps())).when({ action: 'return', rationale: 'Motivo.' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });

    it('lets the drafter edit and resubmit a returned plan as revision 2', () => {
      const revised = withCommitment(1, { title: 'Estrategia con costeo' });
      const steps = history(...inPresentation(), returned('presentation'), edited(revised));
      const state = given(steps)
        .when({ action: 'submit' }, ctx(minfin))
        .then([{ type: 'plan.submitted', data: { revision: 2, sha256: sha256OfCanonical(revised), content: revised, responses: [] }, revision: 2 }]);
      expect(state).toMatchObject({ status: 'technical_review', revision: 2 });
    });
  });

  // -------------------------------------------------------------------------------------
  // presentation -> record-presentation -> implementation
  // -------------------------------------------------------------------------------------

  describe('record-presentation', () => {
    const taskIds = ['task-1', 'task-2', 'task-3'];

    it('records date and forum and lists one task per milestone, in content order', () => {
      const state = given(history(...inPresentation()))
        .when({ action: 'record-presentation', presentation: { date: '2024-10-31', forum: '  Gabinete de Gobierno ' }, taskIds }, ctx(spp))
        .then([
          {
            type: 'plan.presentation-recorded',
            data: { presentation: { date: '2024-10-31', forum: 'Gabinete de Gobierno' }, tasks: TASKS },
            revision: 1,
          },
        ]);
      expect(state).toMatchObject({ status: 'implementation', presentation: PRESENTATION, tasks: TASKS, revision: 1, version: 5 });
    });

    it.each([
      [undefined, ['presentation.date', 'presentation.forum']],
      [{ date: '', forum: '' }, ['presentation.date', 'presentation.forum']],
      [{ date: '2024-10-31', forum: '  ' }, ['presentation.forum']],
      [{ date: ' ', forum: 'Gabinete de Gobierno' }, ['presentation.date']],
    ])('refuses presentation %p with 400 on %p', (presentation, expected) => {
      const error = given(history(...inPresentation()))
        .when({ action: 'record-presentation', presentation, taskIds }, ctx(spp))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(expected);
    });

    it.each([
      ['the technical reviewer (GAE)', gae],
      ['a member (MINGOB)', mingob],
      ['an admin', admin],
    ])('refuses %s with 403', (_who, actor) => {
      given(history(...inPresentation()))
        .when({ action: 'record-presentation', presentation: PRESENTATION, taskIds }, ctx(actor))
        .thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('refuses to record the presentation of a plan not yet endorsed, saying SPP must endorse it', () => {
      const error = given(history(...inEndorsement()))
        .when({ action: 'record-presentation', presentation: PRESENTATION, taskIds }, ctx(spp))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe('El plan está en aval: primero SPP (la institución coordinadora) debe avalar el plan; solo entonces se podrá registrar la presentación del plan.');
      expect(error.text.en).toBe('The plan is in endorsement: first SPP (the coordinating institution) must endorse it; only then can anyone record the presentation of it.');
    });

    it('is a programming error (not a domain refusal) to pass the wrong number of task ids', () => {
      const state = fold(history(...inPresentation()))!;
      const run = () => decideAction(ACTION_PLAN_V1, state, { action: 'record-presentation', presentation: PRESENTATION, taskIds: ['task-1'] }, ctx(spp));
      expect(run).toThrow('record-presentation needs 3 task ids, got 1');
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(caught).not.toBeInstanceOf(DomainError);
    });
  });

  // -------------------------------------------------------------------------------------
  // implementation -> complete -> completed
  // -------------------------------------------------------------------------------------

  describe('complete', () => {
    it.each([0, undefined])('completes without rationale when open tasks are %p', (openTasks) => {
      const state = given(history(...inImplementation()))
        .when({ action: 'complete' }, ctx(spp, { openTasks }))
        .then([{ type: 'plan.completed', data: { openTasks: 0 }, revision: 1 }]);
      expect(state).toMatchObject({ status: 'completed', version: 6 });
    });

    it('requires a rationale when tasks are still open (400, field "rationale", naming how many)', () => {
      const error = given(history(...inImplementation()))
        .when({ action: 'complete', rationale: '' }, ctx(spp, { openTasks: 2 }))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
      expect(error.errors[0].message.es).toBe('Hay 2 tarea(s) sin terminar: explique en «rationale» por qué se completa el plan.');
    });

    it('completes with open tasks when a rationale is given, recording how many were open', () => {
      given(history(...inImplementation()))
        .when({ action: 'complete', rationale: 'Los hitos restantes pasan al plan 2025.' }, ctx(spp, { openTasks: 2 }))
        .then([{ type: 'plan.completed', data: { openTasks: 2 }, rationale: 'Los hitos restantes pasan al plan 2025.', revision: 1 }]);
    });

    it.each([
      ['a member (MINFIN)', minfin],
      ['the technical reviewer (GAE)', gae],
      ['an auditor', auditor],
    ])('refuses %s with 403', (_who, actor) => {
      given(history(...inImplementation())).when({ action: 'complete' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('refuses to complete a plan still in presentation, saying the presentation must be recorded', () => {
      const error = given(history(...inPresentation())).when({ action: 'complete' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toContain('registrar la presentación');
    });
  });

  // -------------------------------------------------------------------------------------
  // draft | technical_review | endorsement | presentation -> withdraw -> withdrawn
  // -------------------------------------------------------------------------------------

  describe('withdraw', () => {
    it.each([
      ['draft', inDraft, 0],
      ['technical_review', inTechnicalReview, 1],
      ['endorsement', inEndorsement, 1],
      ['presentation', inPresentation, 1],
    ] as const)('lets the coordinator withdraw a plan in %s, with a rationale', (from, steps, revision) => {
      const before = fold(history(...steps()))!;
      const state = given(history(...steps()))
        .when({ action: 'withdraw', rationale: 'La mesa reorganizó sus prioridades.' }, ctx(spp))
        .then([{ type: 'plan.withdrawn', data: { from }, rationale: 'La mesa reorganizó sus prioridades.', revision }]);
      expect(state).toMatchObject({ status: 'withdrawn', version: before.version + 1, revision });
      expect(allowedActions(ACTION_PLAN_V1, state, ctx(spp))).toEqual([]);
    });

    it.each([
      ['draft', inDraft],
      ['technical_review', inTechnicalReview],
      ['endorsement', inEndorsement],
      ['presentation', inPresentation],
    ])('refuses to withdraw a plan in %s without a rationale (400)', (_from, steps) => {
      const error = given(history(...steps())).when({ action: 'withdraw' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['rationale']);
    });

    it.each([
      ['implementation', inImplementation, 'implementación'],
      ['completed', isCompleted, 'completado'],
      ['withdrawn', isWithdrawn, 'retirado'],
    ])('refuses to withdraw a plan in %s (409)', (_status, steps, label) => {
      const error = given(history(...steps()))
        .when({ action: 'withdraw', rationale: 'Motivo.' }, ctx(spp))
        .thenRefused(InvalidTransition, 'INVALID_TRANSITION');
      expect(error.text.es).toBe(`No se puede retirar un plan en ${label}.`);
      expect(error.text.en).toBe(`No one can withdraw a plan in ${_status}.`);
    });

    it.each([
      ['the drafter (MINFIN)', minfin],
      ['the technical reviewer (GAE)', gae],
      ['an invited institution (PGN)', pgn],
      ['an auditor', auditor],
      ['an admin', admin],
    ])('refuses %s with 403', (_who, actor) => {
      const error = given(history(...inDraft())).when({ action: 'withdraw', rationale: 'Motivo.' }, ctx(actor)).thenRefused(Forbidden, 'FORBIDDEN');
      expect(error.text.es).toBe(onlyFor(actor, 'SPP (la institución coordinadora)', 'retirar este plan'));
      if (actor.roles.includes('official')) expect(error.text.en).toBe('Only SPP (the coordinating institution) may withdraw this plan.');
      else expect(error.text.en).toMatch(/^Only a person with the official role of SPP \(the coordinating institution\) may withdraw this plan; this account \((admin|auditor)\) does not decide on plans\.$/);
    });
  });

  // -------------------------------------------------------------------------------------
  // Refusal precedence: 403, then 400, then 409
  // -------------------------------------------------------------------------------------

  describe('refusal precedence (403 before 400 before 409)', () => {
    it('GAE withdrawing without rationale gets 403', () => {
      given(history(...inTechnicalReview())).when({ action: 'withdraw' }, ctx(gae)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('GAE withdrawing a completed plan without rationale still gets 403', () => {
      given(history(...isCompleted())).when({ action: 'withdraw' }, ctx(gae)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('SPP withdrawing a completed plan without rationale gets 400; with one, 409', () => {
      given(history(...isCompleted())).when({ action: 'withdraw' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      given(history(...isCompleted())).when({ action: 'withdraw', rationale: 'Motivo.' }, ctx(spp)).thenRefused(InvalidTransition, 'INVALID_TRANSITION');
    });

    it('MINFIN requesting changes on a draft with nothing in the request gets 403', () => {
      given(history(...inDraft())).when({ action: 'request-changes' }, ctx(minfin)).thenRefused(Forbidden, 'FORBIDDEN');
    });

    it('GAE requesting changes on a draft without observations gets 400, not 409', () => {
      const error = given(history(...inDraft()))
        .when({ action: 'request-changes', rationale: 'Motivo.' }, ctx(gae))
        .thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['observations']);
    });

    it('SPP recording a presentation on a draft without date or forum gets 400, not 409', () => {
      given(history(...inDraft())).when({ action: 'record-presentation', taskIds: [] }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
    });

    it('SPP returning a plan in technical review without rationale gets 400, not 409', () => {
      given(history(...inTechnicalReview())).when({ action: 'return' }, ctx(spp)).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
    });
  });

  // -------------------------------------------------------------------------------------
  // Roles come from the table as it is at decision time
  // -------------------------------------------------------------------------------------

  describe('roles resolved from the table at decision time', () => {
    it('follows a change of coordinator: the new one may endorse, the old one may not', () => {
      const handedOver = mesa({ coordinator: 'MINGOB', members: ['MINFIN', 'SIT', 'SPP'] });
      given(history(...inEndorsement())).when({ action: 'endorse' }, ctx(spp, { mesa: handedOver })).thenRefused(Forbidden, 'FORBIDDEN');
      given(history(...inEndorsement())).when({ action: 'endorse' }, ctx(mingob, { mesa: handedOver })).then([{ type: 'plan.endorsed', data: {}, revision: 1 }]);
    });

    it('refuses an institution moved from member to invited as a lead in new content', () => {
      const sitInvited = mesa({ members: ['MINFIN', 'MINGOB'], invited: ['PGN', 'SIT'] });
      const c = content();
      c.commitments[0].milestones[1].responsibleEntity = undefined;
      c.commitments[1].leadEntity = 'SIT';
      const error = given(history(...inDraft())).when({ edit: c }, ctx(minfin, { mesa: sitInvited })).thenRefused(ValidationFailed, 'VALIDATION_FAILED');
      expect(fields(error)).toEqual(['commitments[1].leadEntity']);
    });
  });

  // -------------------------------------------------------------------------------------
  // allowedActions and canEdit
  // -------------------------------------------------------------------------------------

  describe('allowedActions', () => {
    const actionsOf = (steps: Step[], actor: Actor): PlanAction[] => allowedActions(ACTION_PLAN_V1, fold(history(...steps))!, ctx(actor)).sort();

    it.each([
      ['draft', 'the drafter MINFIN', ['submit'], inDraft, minfin],
      ['draft', 'the coordinator SPP', ['submit', 'withdraw'], inDraft, spp],
      ['draft', 'another member MINGOB', [], inDraft, mingob],
      ['draft', 'the reviewer GAE', [], inDraft, gae],
      ['draft', 'the invited PGN', [], inDraft, pgn],
      ['technical_review', 'the reviewer GAE', ['approve', 'request-changes'], inTechnicalReview, gae],
      ['technical_review', 'the coordinator SPP', ['withdraw'], inTechnicalReview, spp],
      ['technical_review', 'the drafter MINFIN', [], inTechnicalReview, minfin],
      ['endorsement', 'the coordinator SPP', ['endorse', 'return', 'withdraw'], inEndorsement, spp],
      ['endorsement', 'the reviewer GAE', [], inEndorsement, gae],
      ['endorsement', 'an auditor', [], inEndorsement, auditor],
      ['endorsement', 'an admin of SPP', [], inEndorsement, sppAdmin],
      ['presentation', 'the coordinator SPP', ['record-presentation', 'return', 'withdraw'], inPresentation, spp],
      ['presentation', 'the drafter MINFIN', [], inPresentation, minfin],
      ['implementation', 'the coordinator SPP', ['complete'], inImplementation, spp],
      ['implementation', 'the drafter MINFIN', [], inImplementation, minfin],
      ['completed', 'the coordinator SPP', [], isCompleted, spp],
      ['withdrawn', 'the coordinator SPP', [], isWithdrawn, spp],
    ] as [string, string, PlanAction[], () => Step[], Actor][])('in %s, %s may %j', (_status, _who, expected, steps, actor) => {
      expect(actionsOf(steps(), actor)).toEqual(expected);
    });

    it('leaves out approve for the GAE official who submitted the revision, but not for a colleague', () => {
      const reviewerIsMember = mesa({ members: ['MINFIN', 'MINGOB', 'SIT', 'GAE'] });
      const state = fold(history(opened(gae), submitted(1, gae)))!;
      expect(allowedActions(ACTION_PLAN_V1, state, ctx(gae, { mesa: reviewerIsMember })).sort()).toEqual(['request-changes']);
      expect(allowedActions(ACTION_PLAN_V1, state, ctx(gae2, { mesa: reviewerIsMember })).sort()).toEqual(['approve', 'request-changes']);
    });

    it('canEdit: the drafter and the coordinator while in draft, nobody afterwards', () => {
      const draft = fold(history(...inDraft()))!;
      const review = fold(history(...inTechnicalReview()))!;
      expect([minfin, spp, mingob, gae, pgn, auditor].map((a) => canEdit(ACTION_PLAN_V1, draft, ctx(a)))).toEqual([true, true, false, false, false, false]);
      expect([minfin, spp].map((a) => canEdit(ACTION_PLAN_V1, review, ctx(a)))).toEqual([false, false]);
    });
  });

  // -------------------------------------------------------------------------------------
  // evolve
  // -------------------------------------------------------------------------------------

  describe('evolvePlan', () => {
    it('folds the whole happy path, keeping createdAt and moving version and updatedAt', () => {
      const states = history(...isCompleted()).reduce<PlanState[]>(
        (acc, event) => [...acc, evolvePlan(acc[acc.length - 1] ?? null, event, definitionOf)],
        [],
      );
      expect(states.map((s) => s.status)).toEqual(['draft', 'technical_review', 'endorsement', 'presentation', 'implementation', 'completed']);
      expect(states.map((s) => s.version)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(states[5]).toMatchObject({ createdAt: recordedAt(1), updatedAt: recordedAt(6), revision: 1, tasks: TASKS, presentation: PRESENTATION });
    });

    it('refuses an event the pinned definition does not allow from the current state', () => {
      expect(() => fold(history(...inDraft(), approved(1)))).toThrow('plan.approved cannot follow draft in action-plan@1');
    });

    it('refuses events before plan.opened', () => {
      expect(() => fold(history(submitted(1)))).toThrow(`plan.submitted before plan.opened in plan-${PLAN_ID}`);
    });
  });

  // -------------------------------------------------------------------------------------
  // Entering implementation: tasks
  // -------------------------------------------------------------------------------------

  describe('tasksForImplementation', () => {
    it('creates one task per milestone, for the commitment lead unless the milestone names its responsible', () => {
      const plan = fold(history(...inImplementation()))!;
      expect(tasksForImplementation(plan)).toEqual([
        {
          taskId: 'task-1',
          events: [
            {
              type: 'task.assigned',
              data: {
                taskId: 'task-1',
                planId: PLAN_ID,
                mesa: 'TD',
                commitmentRef: 'C1',
                milestoneRef: 'H1',
                title: 'Catálogo de trámites publicado',
                dueDate: '2024-11-30',
                entity: 'MINFIN',
                leadEntity: 'MINFIN',
              },
            },
          ],
        },
        {
          taskId: 'task-2',
          events: [
            {
              type: 'task.assigned',
              data: {
                taskId: 'task-2',
                planId: PLAN_ID,
                mesa: 'TD',
                commitmentRef: 'C1',
                milestoneRef: 'H2',
                title: 'Diez trámites piloto en línea',
                dueDate: '2025-03-31',
                entity: 'SIT',
                leadEntity: 'MINFIN',
              },
            },
          ],
        },
        {
          taskId: 'task-3',
          events: [
            {
              type: 'task.assigned',
              data: {
                taskId: 'task-3',
                planId: PLAN_ID,
                mesa: 'TD',
                commitmentRef: 'C2',
                milestoneRef: 'H1',
                title: 'Estrategia aprobada',
                dueDate: '2025-06-30',
                entity: 'MINGOB',
                leadEntity: 'MINGOB',
              },
            },
          ],
        },
      ]);
    });

    it('works end to end from the decider: the task ids given to record-presentation become the tasks', () => {
      const presentation = given(history(...inPresentation())).when(
        { action: 'record-presentation', presentation: PRESENTATION, taskIds: ['a', 'b', 'c'] },
        ctx(spp),
      );
      const plan = presentation.then([
        {
          type: 'plan.presentation-recorded',
          data: {
            presentation: PRESENTATION,
            tasks: [
              { taskId: 'a', commitmentRef: 'C1', milestoneRef: 'H1' },
              { taskId: 'b', commitmentRef: 'C1', milestoneRef: 'H2' },
              { taskId: 'c', commitmentRef: 'C2', milestoneRef: 'H1' },
            ],
          },
          revision: 1,
        },
      ]);
      expect(tasksForImplementation(plan).map((t) => [t.taskId, t.events[0].data.entity])).toEqual([
        ['a', 'MINFIN'],
        ['b', 'SIT'],
        ['c', 'MINGOB'],
      ]);
    });

    it('creates no tasks before implementation', () => {
      expect(tasksForImplementation(fold(history(...inPresentation()))!)).toEqual([]);
    });
  });
});
