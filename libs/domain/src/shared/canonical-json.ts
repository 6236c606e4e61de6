/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values govflow stores: plain objects,
 * arrays, strings, finite numbers, booleans and null. Object keys are sorted by UTF-16 code
 * units (what Array.prototype.sort does by default) and primitives are serialised the way
 * ECMAScript's JSON.stringify does, which is what the RFC prescribes.
 */
const LONE_SURROGATE = /\p{Cs}/u;

function string(value: string): string {
  // RFC 8785 requires well-formed Unicode; a lone surrogate has no UTF-8 form.
  if (LONE_SURROGATE.test(value)) throw new TypeError('canonicalJson: lone surrogate in a string');
  return JSON.stringify(value);
}

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return string(value);
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      return `{${Object.keys(value as Record<string, unknown>)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${string(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
        .join(',')}}`;
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
}
