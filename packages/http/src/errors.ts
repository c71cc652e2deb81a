import type { NextFunction, Request, Response } from 'express';
import { DomainError, isDomainError } from '@hourglass/errors';
import type { Logger } from '@hourglass/logger';

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new DomainError('NOT_FOUND', `No route for ${req.method} ${req.path}`));
}

interface BodyParserError {
  type?: string;
  status?: number;
  message: string;
}

/**
 * PostgreSQL refusals that can only come from the input itself (a NUL byte in text, a number past a column's range),
 * found by fuzzing: the request is wrong, not the server — 422, never 500.
 */
const unstorableInput: Record<string, string> = {
  '22021': 'text with a byte PostgreSQL cannot store (e.g. NUL)',
  '22P05': 'text with a character PostgreSQL cannot store',
  '22003': 'a number out of range',
  '22001': 'a value too long',
  '22P02': 'a value of the wrong form',
};

/** Turns anything thrown into `{ error, message, ...details }`. Only a real fault becomes a 500. */
export function errorHandler(logger: Logger) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = toDomainError(err);
    if (error.status >= 500) {
      (req.log ?? logger).error({ err }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status).json({ ...error.toJSON(), request_id: req.id });
  };
}

function toDomainError(err: unknown): DomainError {
  if (isDomainError(err)) return err as DomainError;
  const parserError = err as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') return new DomainError('BAD_REQUEST', 'Request body is not valid JSON');
  if (parserError?.type === 'entity.too.large') return new DomainError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (parserError?.type && parserError.status && parserError.status < 500) return new DomainError('BAD_REQUEST', parserError.message);
  const pgCode = (err as { code?: unknown })?.code;
  if (typeof pgCode === 'string' && pgCode in unstorableInput) return new DomainError('VALIDATION_FAILED', `A value cannot be stored: ${unstorableInput[pgCode]}`, { issues: [] });
  return new DomainError('INTERNAL', 'Internal error');
}
