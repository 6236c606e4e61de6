import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ErrorCode, LocalizedText, ValidationFailed } from '@govflow/domain';
import { Language, pickLanguage } from './language';

export const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  VERSION_CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
};

const TITLES: Record<ErrorCode | 'INTERNAL', LocalizedText> = {
  VALIDATION_FAILED: { es: 'Datos inválidos', en: 'Validation failed' },
  UNAUTHENTICATED: { es: 'No autenticado', en: 'Unauthenticated' },
  FORBIDDEN: { es: 'No autorizado', en: 'Forbidden' },
  NOT_FOUND: { es: 'No encontrado', en: 'Not found' },
  INVALID_TRANSITION: { es: 'Acción no permitida en este estado', en: 'Invalid transition' },
  VERSION_CONFLICT: { es: 'Conflicto de versiones', en: 'Version conflict' },
  PRECONDITION_FAILED: { es: 'La versión no es la actual', en: 'Precondition failed' },
  PAYLOAD_TOO_LARGE: { es: 'Solicitud demasiado grande', en: 'Payload too large' },
  INTERNAL: { es: 'Error interno', en: 'Internal error' },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | 'INTERNAL';
  errors?: { field: string; message: string }[];
}

const typeOf = (code: string) => `urn:govflow:problem:${code.toLowerCase().replace(/_/g, '-')}`;

export function problemOf(error: DomainError, language: Language): Problem {
  const problem: Problem = {
    type: typeOf(error.code),
    title: TITLES[error.code][language],
    status: STATUS_OF[error.code],
    detail: error.text[language],
    code: error.code,
  };
  if (error instanceof ValidationFailed) {
    problem.errors = error.errors.map((e) => ({ field: e.field, message: e.message[language] }));
  }
  return problem;
}

/** Nest's own HTTP exceptions (unknown route, method not allowed) in the same shape. */
function fromHttpException(exception: HttpException, language: Language): Problem {
  const status = exception.getStatus();
  const code: ErrorCode | 'INTERNAL' =
    status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL';
  const detail =
    code === 'NOT_FOUND'
      ? { es: 'La ruta solicitada no existe.', en: 'The requested path does not exist.' }
      : /^Failed to decode param/.test(exception.message)
        ? { es: 'La ruta tiene un «%» que no forma un carácter válido.', en: 'The path holds a "%" that does not make a valid character.' }
        : { es: TITLES[code].es, en: exception.message };
  return { type: typeOf(code), title: TITLES[code][language], status, detail: detail[language], code };
}

/** One filter maps every error to application/problem+json; nothing a client sends becomes a 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const language = pickLanguage(request.headers['accept-language']);
    let problem: Problem;
    if (exception instanceof DomainError) {
      problem = problemOf(exception, language);
    } else if (exception instanceof HttpException) {
      problem = fromHttpException(exception, language);
    } else {
      this.logger.error({ err: exception, reqId: (request as any).id }, 'unexpected error');
      problem = {
        type: typeOf('INTERNAL'),
        title: TITLES.INTERNAL[language],
        status: HttpStatus.INTERNAL_SERVER_ERROR,
        detail:
          language === 'es'
            ? 'Ocurrió un error inesperado. No se registró ningún cambio; intente de nuevo.'
            : 'An unexpected error occurred. Nothing was recorded; please try again.',
        code: 'INTERNAL',
      };
    }
    if (response.headersSent) return;
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
