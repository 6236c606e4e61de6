import { Mesa } from '../directory/directory.types';
import { FieldError, ValidationFailed } from '../shared/errors';
import { PlanContent } from './plan.types';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date in YYYY-MM-DD form (2024-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number);
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

/**
 * An ISO-8601 date or instant that exists and that PostgreSQL stores as it reads it: a real
 * calendar day from year 1 (2024-02-30 and 0000-01-01 are not), hours to 23, minutes and
 * seconds to 59, an offset up to 14 hours. JavaScript's Date would roll the first over into
 * March and PostgreSQL refuses the second, so both are caught before either sees them.
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = INSTANT.exec(value);
  if (!match || !isCalendarDate(match[1]) || match[1].startsWith('0000')) return false;
  const [, , hours = '0', minutes = '0', seconds = '0', offsetHours = '0', offsetMinutes = '0'] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59 || Number(offsetHours) > 14 || Number(offsetMinutes) > 59) return false;
  return !Number.isNaN(Date.parse(value));
}

/**
 * Institutions that may lead a commitment or answer for a milestone: the coordinator, the
 * technical reviewer (GAE leads digital-government commitments of its own) and members;
 * never an invited one.
 */
export function leadingEntities(mesa: Mesa): Set<string> {
  return new Set([mesa.coordinator, mesa.technicalReviewer, ...mesa.members]);
}

export function tableEntities(mesa: Mesa): Set<string> {
  return new Set([...leadingEntities(mesa), ...mesa.invited]);
}

/**
 * The rules of a plan's content that depend on its table: unique references, leads and
 * responsible institutions that belong to the table (invited institutions may support a
 * commitment but never lead one), real calendar dates.
 */
export function validatePlanContent(content: PlanContent, mesa: Mesa): void {
  const errors: FieldError[] = [];
  const leaders = leadingEntities(mesa);
  const everyone = tableEntities(mesa);
  const push = (field: string, es: string, en: string) => errors.push({ field, message: { es, en } });

  if (content.title.trim() === '') push('title', 'El título no puede estar vacío.', 'The title cannot be empty.');
  const commitmentRefs = new Set<string>();
  content.commitments.forEach((c, i) => {
    const at = `commitments[${i}]`;
    if (commitmentRefs.has(c.ref)) push(`${at}.ref`, `La referencia «${c.ref}» está repetida.`, `Reference "${c.ref}" is repeated.`);
    commitmentRefs.add(c.ref);
    if (!leaders.has(c.leadEntity)) {
      const invited = mesa.invited.includes(c.leadEntity);
      push(
        `${at}.leadEntity`,
        invited
          ? `${c.leadEntity} es institución invitada de la mesa ${mesa.code}: puede apoyar un compromiso, pero no liderarlo.`
          : `${c.leadEntity} no es coordinadora, revisora técnica ni miembro de la mesa ${mesa.code}.`,
        invited
          ? `${c.leadEntity} is invited to table ${mesa.code}: it may support a commitment but never lead one.`
          : `${c.leadEntity} is not the coordinator, the technical reviewer or a member of table ${mesa.code}.`,
      );
    }
    (c.supportEntities ?? []).forEach((s, j) => {
      if (!everyone.has(s)) {
        push(`${at}.supportEntities[${j}]`, `${s} no participa en la mesa ${mesa.code}.`, `${s} does not take part in table ${mesa.code}.`);
      }
    });
    const milestoneRefs = new Set<string>();
    c.milestones.forEach((m, j) => {
      const mat = `${at}.milestones[${j}]`;
      if (milestoneRefs.has(m.ref)) push(`${mat}.ref`, `La referencia «${m.ref}» está repetida en el compromiso.`, `Reference "${m.ref}" is repeated in the commitment.`);
      milestoneRefs.add(m.ref);
      if (!isCalendarDate(m.dueDate)) {
        push(`${mat}.dueDate`, 'La fecha debe ser una fecha válida con formato AAAA-MM-DD.', 'The date must be a valid date in YYYY-MM-DD form.');
      }
      if (m.responsibleEntity !== undefined && !leaders.has(m.responsibleEntity)) {
        push(
          `${mat}.responsibleEntity`,
          `${m.responsibleEntity} no puede ser responsable: debe ser coordinadora, revisora técnica o miembro de la mesa ${mesa.code}.`,
          `${m.responsibleEntity} cannot be responsible: it must be the coordinator, the technical reviewer or a member of table ${mesa.code}.`,
        );
      }
    });
  });
  if (errors.length > 0) throw new ValidationFailed(errors);
}
