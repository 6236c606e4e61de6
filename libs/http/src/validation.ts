import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { FieldError, LocalizedText, ValidationFailed } from '@govflow/domain';

type Template = (args: { field: string; detail: string }) => LocalizedText;

/** Spanish and English for class-validator's constraints, so every 400 reads in the caller's language. */
const TEMPLATES: Record<string, Template> = {
  whitelistValidation: ({ field }) => ({ es: `El campo «${field}» no está permitido.`, en: `Field "${field}" is not allowed.` }),
  isDefined: () => ({ es: 'Es obligatorio.', en: 'Is required.' }),
  isNotEmpty: () => ({ es: 'No puede estar vacío.', en: 'Cannot be empty.' }),
  isString: () => ({ es: 'Debe ser texto.', en: 'Must be a string.' }),
  isBoolean: () => ({ es: 'Debe ser verdadero o falso.', en: 'Must be true or false.' }),
  isInt: () => ({ es: 'Debe ser un número entero.', en: 'Must be an integer.' }),
  isNumber: () => ({ es: 'Debe ser un número.', en: 'Must be a number.' }),
  isArray: () => ({ es: 'Debe ser una lista.', en: 'Must be a list.' }),
  isObject: () => ({ es: 'Debe ser un objeto.', en: 'Must be an object.' }),
  nestedValidation: () => ({ es: 'Debe ser un objeto.', en: 'Must be an object.' }),
  isIn: ({ detail }) => ({ es: `Debe ser uno de: ${detail}.`, en: `Must be one of: ${detail}.` }),
  isEnum: ({ detail }) => ({ es: `Debe ser uno de: ${detail}.`, en: `Must be one of: ${detail}.` }),
  maxLength: ({ detail }) => ({ es: `Admite como máximo ${detail} caracteres.`, en: `Must be at most ${detail} characters long.` }),
  minLength: ({ detail }) => ({ es: `Necesita al menos ${detail} caracteres.`, en: `Must be at least ${detail} characters long.` }),
  arrayMaxSize: ({ detail }) => ({ es: `Admite como máximo ${detail} elementos.`, en: `Must have at most ${detail} items.` }),
  arrayMinSize: ({ detail }) => ({ es: `Necesita al menos ${detail} elemento(s).`, en: `Must have at least ${detail} item(s).` }),
  arrayUnique: () => ({ es: 'No puede tener elementos repetidos.', en: 'Cannot have repeated items.' }),
  min: ({ detail }) => ({ es: `Debe ser al menos ${detail}.`, en: `Must be at least ${detail}.` }),
  max: ({ detail }) => ({ es: `Debe ser como máximo ${detail}.`, en: `Must be at most ${detail}.` }),
  isDateString: () => ({ es: 'Debe ser una fecha ISO-8601.', en: 'Must be an ISO-8601 date.' }),
  matches: () => ({ es: 'No tiene el formato esperado (fecha ISO-8601).', en: 'Does not have the expected format (an ISO-8601 date).' }),
  isInstant: () => ({
    es: 'Debe ser una fecha u hora ISO-8601 que exista (AAAA-MM-DD o AAAA-MM-DDThh:mm:ssZ).',
    en: 'Must be an ISO-8601 date or instant that exists (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).',
  }),
  isIsoDate: () => ({ es: 'Debe ser una fecha con formato AAAA-MM-DD.', en: 'Must be a date in YYYY-MM-DD form.' }),
  isEmail: () => ({ es: 'Debe ser una dirección de correo válida.', en: 'Must be a valid e-mail address.' }),
  isUrl: () => ({ es: 'Debe ser una URL http(s) válida.', en: 'Must be a valid http(s) URL.' }),
  isUUID: () => ({ es: 'Debe ser un UUID.', en: 'Must be a UUID.' }),
  isUuid: () => ({ es: 'Debe ser un UUID.', en: 'Must be a UUID.' }),
  isCode: () => ({
    es: 'Debe ser un código de 2 a 40 caracteres: mayúsculas, dígitos, «-» o «_».',
    en: 'Must be a code of 2 to 40 characters: capitals, digits, "-" or "_".',
  }),
  isSha256: () => ({ es: 'Debe ser un SHA-256 en hexadecimal (64 caracteres).', en: 'Must be a hex SHA-256 (64 characters).' }),
  noNul: () => ({ es: 'No puede contener el carácter nulo.', en: 'Cannot contain the NUL character.' }),
};

function detailOf(constraint: string, message: string): string {
  // class-validator's English message carries the parameter: "... must be one of the following values: a, b".
  const match = /following values: (.*)$|(?:longer|shorter) than or equal to (\d+)|(?:at least|at most|more than|less than|not be less than|not be greater than) (\d+)|contain (?:at least|not more than) (\d+)/.exec(
    message,
  );
  return match ? (match.slice(1).find((g) => g !== undefined) as string) : constraint;
}

const FIRST = ['whitelistValidation', 'isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'nestedValidation'];
const rank = (constraint: string): number => {
  const i = FIRST.indexOf(constraint);
  return i === -1 ? FIRST.length : i;
};

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    // One message per field: the most basic rule it breaks ("required" before "must be
    // text" before "too long").
    const own = Object.entries(error.constraints ?? {})
      .sort(([a], [b]) => rank(a) - rank(b))
      .slice(0, 1)
      .map(([constraint, message]) => {
        const template = TEMPLATES[constraint];
        const text = template
          ? template({ field, detail: detailOf(constraint, message) })
          : { es: `Valor inválido (${constraint}).`, en: message };
        return { field, message: text };
      });
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * For a body or a query string that takes nothing: any field in it is a 400 like any unknown
 * field elsewhere (`@Body() _body: NoFields`, `@Query() _query: NoFields`).
 */
export class NoFields {}

/** Builds the DTO and validates it: unknown fields, wrong types and missing values are a 400. */
export function validateDto<T extends object>(cls: new () => T, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ValidationFailed.field('body', 'El cuerpo de la solicitud debe ser un objeto JSON.', 'The request body must be a JSON object.');
  }
  // class-validator refuses a class without rules as an unknown value; here there is one rule: nothing.
  if (cls === (NoFields as unknown)) {
    const fields = Object.keys(body);
    if (fields.length > 0) throw new ValidationFailed(fields.map((field) => ({ field, message: TEMPLATES.whitelistValidation({ field, detail: '' }) })));
    return new cls();
  }
  const instance = plainToInstance(cls, body, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ValidationFailed(toFieldErrors(errors));
  return instance;
}

export function validationExceptionFactory(errors: ValidationError[]): ValidationFailed {
  return new ValidationFailed(toFieldErrors(errors));
}
