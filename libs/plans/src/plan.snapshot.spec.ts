import { createHash } from 'node:crypto';
import { ACTION_PLAN_V1, PlanContent } from '@govflow/domain';
import { StoredEvent } from '@govflow/event-store';
import { PLAN_SNAPSHOT_SCHEMA, foldPlan } from './plan.repository';

/**
 * Snapshots of plans are read only under PLAN_SNAPSHOT_SCHEMA, so a deployment whose fold
 * gives a different state for the same events must use a new tag: else it would go on
 * deciding on states folded by the old code. This test folds two fixed streams that use every
 * plan event and compares the result with the fingerprint recorded for the current tag.
 * When it fails, the fold changed: give PLAN_SNAPSHOT_SCHEMA a new tag and record the new
 * fingerprints here.
 */
const FINGERPRINTS: Record<string, { completed: string; withdrawn: string }> = {
  'plan-state/1': {
    completed: '6144924ee694dadbd6c837cbfcae2cc8dccc044a26d918ca2a69b0173391418e',
    withdrawn: 'ab4aec4f17446bbeb6cfe2538836862c5a58e6b28b976690608c358fb79730ac',
  },
};

const PLAN = '7d0f3a52-1c9e-4b8a-9f61-3e2d5c4b1a07';
const definition = { id: ACTION_PLAN_V1.id, version: ACTION_PLAN_V1.version };
const content = (n: number): PlanContent => ({
  title: `Plan de acción de la Mesa de Transformación Digital, versión ${n}`,
  objective: 'Datos abiertos y seguimiento ciudadano',
  commitments: [
    {
      ref: 'C1',
      title: 'Portal de datos abiertos',
      description: 'Publicar los conjuntos de datos priorizados.',
      leadEntity: 'MINFIN',
      supportEntities: ['SIT'],
      milestones: [
        { ref: 'H1', title: 'Inventario publicado', dueDate: '2025-03-31' },
        { ref: 'H2', title: 'Portal en línea', dueDate: '2025-09-30', responsibleEntity: 'SIT' },
      ],
    },
  ],
});

function stream(streamId: string, events: { type: string; data: unknown; actor: string; entity: string | null; rationale?: string }[]): StoredEvent[] {
  return events.map((e, i) => ({
    position: String(100 + i),
    streamId,
    version: i + 1,
    type: e.type,
    data: e.data,
    metadata: { actorId: e.actor, entity: e.entity, ...(e.rationale ? { rationale: e.rationale } : {}) },
    recordedAt: new Date(Date.UTC(2024, 9, 15, 16, i)).toISOString(),
    prevHash: '0'.repeat(64),
    hash: String(i).padStart(64, '0'),
  }));
}

const opened = { type: 'plan.opened', data: { planId: PLAN, mesa: 'TD', definition, drafter: 'MINFIN', content: content(1) }, actor: 'minfin-1', entity: 'MINFIN' };
const submitted = (revision: number, responses: { observationId: string; response: string }[]) => ({
  type: 'plan.submitted',
  data: { revision, sha256: String(revision).repeat(64), content: content(revision + 1), responses },
  actor: 'minfin-1',
  entity: 'MINFIN',
});

const completed = stream(`plan-${PLAN}`, [
  opened,
  { type: 'plan.content-edited', data: { content: content(2) }, actor: 'minfin-2', entity: 'MINFIN' },
  submitted(1, []),
  {
    type: 'plan.changes-requested',
    data: {
      observations: [
        { id: 'obs-1', text: 'Precisar los indicadores.', blocking: true, commitmentRef: 'C1' },
        { id: 'obs-2', text: 'Revisar los plazos.', blocking: false },
      ],
    },
    actor: 'gae-1',
    entity: 'GAE',
    rationale: 'Faltan indicadores.',
  },
  submitted(2, [{ observationId: 'obs-1', response: 'Indicadores precisados.' }]),
  { type: 'plan.approved', data: {}, actor: 'gae-1', entity: 'GAE' },
  { type: 'plan.returned', data: { from: 'endorsement' }, actor: 'spp-1', entity: 'SPP', rationale: 'Falta el presupuesto.' },
  submitted(3, []),
  { type: 'plan.approved', data: {}, actor: 'gae-2', entity: 'GAE' },
  { type: 'plan.endorsed', data: {}, actor: 'spp-1', entity: 'SPP' },
  {
    type: 'plan.presentation-recorded',
    data: {
      presentation: { date: '2024-11-05', forum: 'Gabinete' },
      tasks: [
        { taskId: 'a1b2c3d4-0000-4000-8000-000000000001', commitmentRef: 'C1', milestoneRef: 'H1' },
        { taskId: 'a1b2c3d4-0000-4000-8000-000000000002', commitmentRef: 'C1', milestoneRef: 'H2' },
      ],
    },
    actor: 'spp-1',
    entity: 'SPP',
  },
  { type: 'plan.completed', data: { openTasks: 1 }, actor: 'spp-1', entity: 'SPP', rationale: 'Cierre del periodo.' },
]);

const withdrawn = stream(`plan-${PLAN}`, [
  opened,
  submitted(1, []),
  { type: 'plan.withdrawn', data: { from: 'technical_review' }, actor: 'spp-1', entity: 'SPP', rationale: 'La mesa decidió no continuar.' },
]);

const fingerprint = (events: StoredEvent[]) => createHash('sha256').update(JSON.stringify(foldPlan(events))).digest('hex');

describe('plan snapshot schema', () => {
  it('names the fold in use: the same events fold to the fingerprint recorded for the tag', () => {
    const recorded = FINGERPRINTS[PLAN_SNAPSHOT_SCHEMA];
    const current = { completed: fingerprint(completed), withdrawn: fingerprint(withdrawn) };
    if (recorded?.completed !== current.completed || recorded?.withdrawn !== current.withdrawn) {
      throw new Error(
        `The plan fold changed, and snapshots under ${PLAN_SNAPSHOT_SCHEMA} hold states of the old fold. ` +
          `Give PLAN_SNAPSHOT_SCHEMA (plan.repository.ts) a new tag and record under it here: ${JSON.stringify(current)}`,
      );
    }
  });

  it('folds the fixed streams through every plan event', () => {
    expect(foldPlan(completed)).toMatchObject({ status: 'completed', version: 12, revision: 3, presentation: { forum: 'Gabinete' } });
    expect(foldPlan(completed)!.observations.map((o) => [o.id, o.response ?? null])).toEqual([
      ['obs-1', 'Indicadores precisados.'],
      ['obs-2', null],
    ]);
    expect(foldPlan(withdrawn)).toMatchObject({ status: 'withdrawn', version: 3 });
  });
});
