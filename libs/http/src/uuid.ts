import { NotFound } from '@govflow/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id in a path that is not a UUID names nothing: 404, like any unknown id. */
export function requireUuid(id: string, what: { es: string; en: string }): string {
  if (!UUID.test(id)) throw new NotFound({ es: `No existe ${what.es} ${id}.`, en: `There is no ${what.en} ${id}.` });
  return id.toLowerCase();
}
