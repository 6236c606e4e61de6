import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { PayloadTooLarge, ValidationFailed } from '@govflow/domain';

export const MAX_BODY_BYTES = 1024 * 1024;

const UNSTORABLE = /\u0000|\p{Cs}/u;
/** No request of the API nests deeper than this; deeper input is refused before any code walks it. */
export const MAX_BODY_DEPTH = 32;

/**
 * What the parser accepted but govflow cannot take: nesting beyond MAX_BODY_DEPTH, NUL or lone
 * surrogates, which are valid JSON but that PostgreSQL's jsonb cannot store, and numbers too
 * large for a double (1e999 parses as Infinity, which no JSON can carry back out).
 * Iterative, so hostile nesting cannot exhaust the stack.
 */
export function unacceptableBody(body: unknown): 'too-deep' | 'unstorable' | 'not-finite' | null {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return 'unstorable';
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'not-finite';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) return 'too-deep';
      for (const [key, child] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return 'unstorable';
        stack.push([child, depth + 1]);
      }
    }
  }
  return null;
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
      } else {
        const problem = unacceptableBody(req.body);
        if (problem === 'too-deep') {
          (req as any).bodyError = ValidationFailed.field(
            'body',
            `El JSON anida más de ${MAX_BODY_DEPTH} niveles.`,
            `The JSON nests deeper than ${MAX_BODY_DEPTH} levels.`,
          );
        } else if (problem === 'not-finite') {
          (req as any).bodyError = ValidationFailed.field(
            'body',
            'Hay un número demasiado grande para representarlo (por ejemplo 1e999).',
            'A number is too large to represent (1e999, for instance).',
          );
        } else if (problem === 'unstorable') {
          (req as any).bodyError = ValidationFailed.field(
            'body',
            'El texto no puede contener el carácter nulo (\\u0000) ni sustitutos UTF-16 sueltos.',
            'Text cannot contain the NUL character (\\u0000) or lone UTF-16 surrogates.',
          );
        }
      }
      next();
    });
  };
}
