import { Mesa } from '../directory/directory.types';
import { LocalizedText } from '../shared/errors';

/** Who hears of an event, relative to the plan's table (or the task's responsible institution). */
export type Audience = 'technical_reviewer' | 'drafter' | 'coordinator' | 'table' | 'responsible';

/** What a message can say about the event that caused it. */
export interface NotificationFacts {
  mesa: Mesa;
  actorEntity: string | null;
  rationale?: string;
  planId?: string;
  planTitle?: string;
  drafter?: string;
  revision?: number;
  presentation?: { date: string; forum: string };
  task?: { id: string; title: string; dueDate: string; entity: string };
  blockReason?: string;
}

export interface NotificationRule {
  /** The event type that triggers it; also the notification's type. */
  event: string;
  audience: Audience;
  subject: (f: NotificationFacts) => LocalizedText;
  message: (f: NotificationFacts) => LocalizedText;
}

const why = (f: NotificationFacts, es: string, en: string): LocalizedText =>
  f.rationale ? { es: `${es} Motivo: ${f.rationale}`, en: `${en} Reason: ${f.rationale}` } : { es, en };

/** DESIGN.md's notification table, as data beside the workflow definition. */
export const NOTIFICATION_RULES: readonly NotificationRule[] = [
  {
    event: 'plan.submitted',
    audience: 'technical_reviewer',
    subject: (f) => ({ es: `Plan enviado a revisión técnica — ${f.mesa.name}`, en: `Plan submitted for technical review — ${f.mesa.name}` }),
    message: (f) => ({
      es: `${f.actorEntity} envió el plan «${f.planTitle}» (revisión ${f.revision}) a revisión técnica. ${f.mesa.technicalReviewer} debe aprobarlo o solicitar cambios.`,
      en: `${f.actorEntity} submitted the plan "${f.planTitle}" (revision ${f.revision}) for technical review. ${f.mesa.technicalReviewer} must approve it or request changes.`,
    }),
  },
  {
    event: 'plan.changes-requested',
    audience: 'drafter',
    subject: (f) => ({ es: `Cambios solicitados al plan — ${f.mesa.name}`, en: `Changes requested to the plan — ${f.mesa.name}` }),
    message: (f) =>
      why(
        f,
        `${f.actorEntity} solicitó cambios al plan «${f.planTitle}» (revisión ${f.revision}). Responda las observaciones y vuelva a enviarlo.`,
        `${f.actorEntity} requested changes to the plan "${f.planTitle}" (revision ${f.revision}). Answer the observations and submit it again.`,
      ),
  },
  {
    event: 'plan.returned',
    audience: 'drafter',
    subject: (f) => ({ es: `Plan devuelto a borrador — ${f.mesa.name}`, en: `Plan returned to draft — ${f.mesa.name}` }),
    message: (f) => why(f, `${f.actorEntity} devolvió el plan «${f.planTitle}» a borrador.`, `${f.actorEntity} returned the plan "${f.planTitle}" to draft.`),
  },
  {
    event: 'plan.approved',
    audience: 'coordinator',
    subject: (f) => ({ es: `Plan aprobado técnicamente — ${f.mesa.name}`, en: `Plan technically approved — ${f.mesa.name}` }),
    message: (f) => ({
      es: `${f.actorEntity} aprobó el plan «${f.planTitle}» (revisión ${f.revision}). Queda pendiente su aval por ${f.mesa.coordinator}.`,
      en: `${f.actorEntity} approved the plan "${f.planTitle}" (revision ${f.revision}). It awaits endorsement by ${f.mesa.coordinator}.`,
    }),
  },
  {
    event: 'plan.endorsed',
    audience: 'table',
    subject: (f) => ({ es: `Plan avalado — ${f.mesa.name}`, en: `Plan endorsed — ${f.mesa.name}` }),
    message: (f) => ({
      es: `${f.actorEntity} avaló el plan «${f.planTitle}» (revisión ${f.revision}); sigue su presentación formal.`,
      en: `${f.actorEntity} endorsed the plan "${f.planTitle}" (revision ${f.revision}); its formal presentation comes next.`,
    }),
  },
  {
    event: 'plan.presentation-recorded',
    audience: 'table',
    subject: (f) => ({ es: `Plan presentado: inicia la implementación — ${f.mesa.name}`, en: `Plan presented: implementation starts — ${f.mesa.name}` }),
    message: (f) => ({
      es: `El plan «${f.planTitle}» se presentó en ${f.presentation?.forum} el ${f.presentation?.date} y entra en implementación.`,
      en: `The plan "${f.planTitle}" was presented at ${f.presentation?.forum} on ${f.presentation?.date} and enters implementation.`,
    }),
  },
  {
    event: 'plan.completed',
    audience: 'table',
    subject: (f) => ({ es: `Plan completado — ${f.mesa.name}`, en: `Plan completed — ${f.mesa.name}` }),
    message: (f) => why(f, `${f.actorEntity} dio por completado el plan «${f.planTitle}».`, `${f.actorEntity} completed the plan "${f.planTitle}".`),
  },
  {
    event: 'plan.withdrawn',
    audience: 'table',
    subject: (f) => ({ es: `Plan retirado — ${f.mesa.name}`, en: `Plan withdrawn — ${f.mesa.name}` }),
    message: (f) => why(f, `${f.actorEntity} retiró el plan «${f.planTitle}».`, `${f.actorEntity} withdrew the plan "${f.planTitle}".`),
  },
  {
    event: 'task.assigned',
    audience: 'responsible',
    subject: (f) => ({ es: `Nueva tarea asignada — ${f.mesa.name}`, en: `New task assigned — ${f.mesa.name}` }),
    message: (f) => ({
      es: `Se asignó a ${f.task?.entity} la tarea «${f.task?.title}» del plan «${f.planTitle}», con vencimiento el ${f.task?.dueDate}.`,
      en: `${f.task?.entity} was assigned the task "${f.task?.title}" of the plan "${f.planTitle}", due on ${f.task?.dueDate}.`,
    }),
  },
  {
    event: 'task.reassigned',
    audience: 'responsible',
    subject: (f) => ({ es: `Tarea reasignada a su institución — ${f.mesa.name}`, en: `Task reassigned to your institution — ${f.mesa.name}` }),
    message: (f) =>
      why(
        f,
        `${f.actorEntity} reasignó a ${f.task?.entity} la tarea «${f.task?.title}» del plan «${f.planTitle}», con vencimiento el ${f.task?.dueDate}.`,
        `${f.actorEntity} reassigned the task "${f.task?.title}" of the plan "${f.planTitle}" to ${f.task?.entity}, due on ${f.task?.dueDate}.`,
      ),
  },
  {
    event: 'task.returned',
    audience: 'responsible',
    subject: (f) => ({ es: `Entrega devuelta — ${f.mesa.name}`, en: `Delivery returned — ${f.mesa.name}` }),
    message: (f) =>
      why(
        f,
        `${f.actorEntity} devolvió la entrega de la tarea «${f.task?.title}» del plan «${f.planTitle}»: corríjala y vuelva a entregarla.`,
        `${f.actorEntity} returned the delivery of the task "${f.task?.title}" of the plan "${f.planTitle}": correct it and deliver again.`,
      ),
  },
  {
    event: 'task.blocked',
    audience: 'coordinator',
    subject: (f) => ({ es: `Tarea bloqueada — ${f.mesa.name}`, en: `Task blocked — ${f.mesa.name}` }),
    message: (f) => ({
      es: `${f.actorEntity} informó que la tarea «${f.task?.title}» del plan «${f.planTitle}» está bloqueada: ${f.blockReason}`,
      en: `${f.actorEntity} reported that the task "${f.task?.title}" of the plan "${f.planTitle}" is blocked: ${f.blockReason}`,
    }),
  },
  {
    event: 'task.reminder-sent',
    audience: 'responsible',
    subject: (f) => ({ es: `Recordatorio: tarea por vencer — ${f.mesa.name}`, en: `Reminder: task coming due — ${f.mesa.name}` }),
    message: (f) => ({
      es: `La tarea «${f.task?.title}» del plan «${f.planTitle}», a cargo de ${f.task?.entity}, vence el ${f.task?.dueDate}.`,
      en: `The task "${f.task?.title}" of the plan "${f.planTitle}", in the hands of ${f.task?.entity}, is due on ${f.task?.dueDate}.`,
    }),
  },
  {
    event: 'task.escalated',
    audience: 'coordinator',
    subject: (f) => ({ es: `Escalamiento: tarea vencida hace 15 días — ${f.mesa.name}`, en: `Escalation: task 15 days overdue — ${f.mesa.name}` }),
    message: (f) => ({
      es: `La tarea «${f.task?.title}» del plan «${f.planTitle}», a cargo de ${f.task?.entity}, venció el ${f.task?.dueDate} y sigue sin entregarse.`,
      en: `The task "${f.task?.title}" of the plan "${f.planTitle}", in the hands of ${f.task?.entity}, was due on ${f.task?.dueDate} and is still not delivered.`,
    }),
  },
];

export interface NotificationDraft {
  entity: string;
  type: string;
  subject: LocalizedText;
  message: LocalizedText;
  planId?: string;
  taskId?: string;
}

function audienceOf(audience: Audience, f: NotificationFacts): string[] {
  switch (audience) {
    case 'technical_reviewer':
      return [f.mesa.technicalReviewer];
    case 'coordinator':
      return [f.mesa.coordinator];
    case 'drafter':
      return f.drafter ? [f.drafter] : [];
    case 'responsible':
      return f.task ? [f.task.entity] : [];
    case 'table':
      return [...new Set([f.mesa.coordinator, f.mesa.technicalReviewer, ...f.mesa.members, ...f.mesa.invited])];
    default: {
      const unhandled: never = audience;
      throw new Error(`unhandled audience ${String(unhandled)}`);
    }
  }
}

/** The notifications one event causes: one per institution told, in Spanish and English. */
export function notificationsFor(eventType: string, facts: NotificationFacts, rules: readonly NotificationRule[] = NOTIFICATION_RULES): NotificationDraft[] {
  return rules
    .filter((rule) => rule.event === eventType)
    .flatMap((rule) =>
      audienceOf(rule.audience, facts).map((entity) => ({
        entity,
        type: rule.event,
        subject: rule.subject(facts),
        message: rule.message(facts),
        ...(facts.planId ? { planId: facts.planId } : {}),
        ...(facts.task ? { taskId: facts.task.id } : {}),
      })),
    );
}
