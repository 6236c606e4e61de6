import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { PayloadTooLarge, ValidationFailed } from '@govflow/domain';

export const MAX_BODY_BYTES = 1024 * 1024;

const UNSTORABLE = /\u0000|\p{Cs}/u;

/** NUL and lone surrogates: valid in JSON text, but PostgreSQL's jsonb cannot store them. */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || containsNul(v));
  return false;
}

/**
 * Parses JSON bodies up to 1 MiB but keeps a parse failure on the request instead of
 * answering at once, so the auth guard still answers 401 first (the contract's order).
 */
export function deferredJsonBody(): RequestHandler {
  const parse = json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] });
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (error?: unknown) => {
      if (error) {
        const type = (error as { type?: string }).type;
        (req as any).bodyError =
          type === 'entity.too.large'
            ? new PayloadTooLarge({ es: 'El cuerpo de la solicitud supera 1 MiB.', en: 'The request body is larger than 1 MiB.' })
            : ValidationFailed.field(
                'body',
                'El cuerpo de la solicitud no es JSON válido.',
                'The request body is not valid JSON.',
              );
        // Drain what is left so the connection stays usable.
        req.resume();
      } else if (containsNul(req.body)) {
        (req as any).bodyError = ValidationFailed.field(
          'body',
          'El texto no puede contener el carácter nulo (\\u0000) ni sustitutos UTF-16 sueltos.',
          'Text cannot contain the NUL character (\\u0000) or lone UTF-16 surrogates.',
        );
      }
      next();
    });
  };
}
