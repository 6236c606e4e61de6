import { LocalizedText } from '../shared/errors';
import { PlanStatus, TableRole, Transition } from './workflow.types';

/** Human names for states and actions, used in messages people read. */
export const STATE_LABELS: Record<PlanStatus, LocalizedText> = {
  draft: { es: 'borrador', en: 'draft' },
  technical_review: { es: 'revisión técnica', en: 'technical review' },
  endorsement: { es: 'aval', en: 'endorsement' },
  presentation: { es: 'presentación', en: 'presentation' },
  implementation: { es: 'implementación', en: 'implementation' },
  completed: { es: 'completado', en: 'completed' },
  withdrawn: { es: 'retirado', en: 'withdrawn' },
};

/** Infinitives: "SPP debe <avalar>", "before it can be <endorsed>". */
export const ACTION_LABELS: Record<Transition['action'], LocalizedText> = {
  edit: { es: 'editar', en: 'edit' },
  submit: { es: 'enviar a revisión técnica', en: 'submit for technical review' },
  approve: { es: 'aprobar', en: 'approve' },
  'request-changes': { es: 'solicitar cambios', en: 'request changes' },
  endorse: { es: 'avalar', en: 'endorse' },
  return: { es: 'devolver', en: 'return' },
  'record-presentation': { es: 'registrar la presentación', en: 'record the presentation' },
  complete: { es: 'completar', en: 'complete' },
  withdraw: { es: 'retirar', en: 'withdraw' },
};

export const ROLE_LABELS: Record<TableRole, LocalizedText> = {
  coordinator: { es: 'la institución coordinadora', en: 'the coordinating institution' },
  technical_reviewer: { es: 'la institución revisora técnica', en: 'the technical reviewer' },
  member: { es: 'una institución miembro', en: 'a member institution' },
  invited: { es: 'una institución invitada', en: 'an invited institution' },
  drafter: { es: 'la institución redactora', en: 'the drafting institution' },
};
