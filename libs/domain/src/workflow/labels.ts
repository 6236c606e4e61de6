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

/** An action said with its object: "enviar <este plan> a revisión técnica", "request changes to <the plan>". */
export interface ActionPhrase {
  es: (plan: string) => string;
  en: (plan: string) => string;
}

/** Spanish contracts "a el" and "de el": "solicitar cambios al plan", "la presentación del plan". */
const contract = (preposition: 'a' | 'de', plan: string) => (plan.startsWith('el ') ? `${preposition === 'a' ? 'al' : 'del'} ${plan.slice(3)}` : `${preposition} ${plan}`);

/** Infinitives with their object: "Solo SPP puede <avalar este plan>", "Only SPP may <endorse this plan>". */
export const ACTION_LABELS: Record<Transition['action'], ActionPhrase> = {
  edit: { es: (p) => `editar ${p}`, en: (p) => `edit ${p}` },
  submit: { es: (p) => `enviar ${p} a revisión técnica`, en: (p) => `submit ${p} for technical review` },
  approve: { es: (p) => `aprobar ${p}`, en: (p) => `approve ${p}` },
  'request-changes': { es: (p) => `solicitar cambios ${contract('a', p)}`, en: (p) => `request changes to ${p}` },
  endorse: { es: (p) => `avalar ${p}`, en: (p) => `endorse ${p}` },
  return: { es: (p) => `devolver ${p}`, en: (p) => `return ${p}` },
  'record-presentation': { es: (p) => `registrar la presentación ${contract('de', p)}`, en: (p) => `record the presentation of ${p}` },
  complete: { es: (p) => `completar ${p}`, en: (p) => `complete ${p}` },
  withdraw: { es: (p) => `retirar ${p}`, en: (p) => `withdraw ${p}` },
};

export const ROLE_LABELS: Record<TableRole, LocalizedText> = {
  coordinator: { es: 'la institución coordinadora', en: 'the coordinating institution' },
  technical_reviewer: { es: 'la institución revisora técnica', en: 'the technical reviewer' },
  member: { es: 'una institución miembro', en: 'a member institution' },
  invited: { es: 'una institución invitada', en: 'an invited institution' },
  drafter: { es: 'la institución redactora', en: 'the drafting institution' },
};
