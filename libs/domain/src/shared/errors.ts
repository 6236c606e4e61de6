/**
 * Domain errors carry a stable code (mapped to an HTTP status by one exception filter) and
 * a message in Spanish and English that tells the user what they can do about it.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'VERSION_CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE';

export interface LocalizedText {
  es: string;
  en: string;
}

export interface FieldError {
  field: string;
  message: LocalizedText;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;

  constructor(readonly text: LocalizedText) {
    super(text.en);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;

  constructor(readonly errors: FieldError[], text?: LocalizedText) {
    super(
      text ?? {
        es: errors.length === 1 ? errors[0].message.es : 'La solicitud tiene datos inválidos.',
        en: errors.length === 1 ? errors[0].message.en : 'The request has invalid data.',
      },
    );
  }

  static field(field: string, es: string, en: string): ValidationFailed {
    return new ValidationFailed([{ field, message: { es, en } }]);
  }
}

export class Unauthenticated extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN' as const;
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

export class InvalidTransition extends DomainError {
  readonly code = 'INVALID_TRANSITION' as const;
}

export class VersionConflict extends DomainError {
  readonly code = 'VERSION_CONFLICT' as const;
}

export class PreconditionFailed extends DomainError {
  readonly code = 'PRECONDITION_FAILED' as const;
}

export class PayloadTooLarge extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE' as const;
}
