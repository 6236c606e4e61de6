import { PreconditionFailed, ValidationFailed } from '@govflow/domain';

/** What a weak `If-Match` (W/"3") is read as: it never matches (RFC 9110 compares If-Match strongly). */
const WEAK = -1;

/** `If-Match: "3"` (or 3) -> 3; W/"3" -> never matches (412 in its turn); absent -> undefined; anything else is a 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const match = /^\s*(W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw ValidationFailed.field('If-Match', 'If-Match debe ser la versión entre comillas, p. ej. "3".', 'If-Match must be the version in quotes, e.g. "3".');
  }
  return match[1] ? WEAK : Number(match[2]);
}

const NAMES = { plan: { es: 'El plan', en: 'The plan' }, task: { es: 'La tarea', en: 'The task' } } as const;

/** A 412 when the caller decided on a version that is no longer the current one. */
export function checkIfMatch(expected: number | undefined, current: number, what: keyof typeof NAMES = 'plan'): void {
  if (expected === WEAK) {
    throw new PreconditionFailed({
      es: `If-Match débil (W/) nunca coincide: envíe la versión entre comillas, p. ej. "${current}".`,
      en: `A weak If-Match (W/) never matches: send the version in quotes, e.g. "${current}".`,
    });
  }
  if (expected !== undefined && expected !== current) {
    const name = NAMES[what];
    throw new PreconditionFailed({
      es: `${name.es} está en la versión ${current}, no en la ${expected}: vuelva a ${what === 'plan' ? 'cargarlo' : 'cargarla'} antes de decidir.`,
      en: `${name.en} is at version ${current}, not ${expected}: reload it before deciding.`,
    });
  }
}

export const etagOf = (version: number): string => `"${version}"`;

/** Idempotency-Key: 1 to 200 visible ASCII characters. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(header)) {
    throw ValidationFailed.field(
      'Idempotency-Key',
      'Idempotency-Key debe tener entre 1 y 200 caracteres ASCII visibles.',
      'Idempotency-Key must be 1 to 200 visible ASCII characters.',
    );
  }
  return header;
}
