import type { NextFunction, Request, Response } from 'express';
import { DomainError, isDomainError, isTransientFailure } from '@hourglass/errors';
import type { Logger } from '@hourglass/logger';

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new DomainError('NOT_FOUND', `No route for ${req.method} ${req.path}`));
}

/**
 * Methods by path, from the app's own route table (read at the first request, when every route is registered):
 * OPTIONS answers 204 with `Allow`; a path the app serves, asked with a method it does not, is 405 with `Allow`
 * (RFC 9110), not 404. As in OpenAPI, a concrete path wins over a templated one: `/api/packs/checkout` is POST only,
 * even though `/api/packs/:id` would take `checkout` as an id.
 */
export function methodHandler(routes: () => ReadonlyArray<{ method: string; path: string }>) {
  let patterns: Array<{ method: string; params: number; regex: RegExp }> | undefined;
  const compile = () =>
    routes()
      .filter((r) => r.method !== 'all')
      .map((r) => ({
        method: r.method.toUpperCase(),
        params: (r.path.match(/:\w+/g) ?? []).length,
        regex: new RegExp(`^${r.path.replace(/[.+*?^$()[\]{}|\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`, 'i'),
      }));
  return (req: Request, res: Response, next: NextFunction): void => {
    patterns ??= compile();
    const matching = patterns.filter((p) => p.regex.test(req.path));
    if (matching.length === 0) return next();
    const fewest = Math.min(...matching.map((p) => p.params));
    const allowed = new Set(matching.filter((p) => p.params === fewest).map((p) => p.method));
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort();
    if (req.method === 'OPTIONS') {
      res.setHeader('allow', allow.join(', '));
      res.status(204).end();
      return;
    }
    if (allowed.has(req.method)) return next();
    res.setHeader('allow', allow.join(', '));
    next(new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`, { allow }));
  };
}

/** What express, its router and body-parser throw for a request they cannot read (http-errors, URIError). */
interface HttpStackError {
  type?: string;
  status?: number;
  statusCode?: number;
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
  '22008': 'a date or time out of range',
  '22009': 'a time zone offset out of range (at most ±15:59)',
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
    const retryAfter = error.details.retry_after_seconds;
    if ((error.status === 503 || error.status === 429) && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(typeof retryAfter === 'number' && retryAfter > 0 ? Math.ceil(retryAfter) : 1));
    res.status(error.status).json({ ...error.toJSON(), request_id: req.id });
  };
}

/**
 * A request the HTTP stack itself could not read is the caller's fault, whatever part of it was wrong: a path
 * segment that is not percent-encoded UTF-8 (`%FF`: the router's decodeURIComponent throws a URIError with status
 * 400), a body whose Content-Encoding does not match its bytes (zlib's error, status 400), an encoding or charset
 * the parser does not know (415), a body cut short or longer than announced. None of these may become a 500.
 */
function fromHttpStack(err: unknown): DomainError | undefined {
  if (err instanceof URIError) return new DomainError('BAD_REQUEST', 'A path segment is not valid percent-encoded UTF-8');
  const e = err as HttpStackError | undefined;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (!e || status === undefined || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return new DomainError('BAD_REQUEST', 'Request body is not valid JSON');
    case 'entity.too.large':
      return new DomainError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'encoding.unsupported':
      return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'This Content-Encoding is not supported: send the body as it is, or gzip, deflate or br', { supported_encodings: ['identity', 'gzip', 'deflate', 'br'] });
    case 'charset.unsupported':
      return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The body\'s charset is not supported: send UTF-8');
    case 'request.aborted':
    case 'request.size.invalid':
      return new DomainError('BAD_REQUEST', 'The request body ended before the length it announced');
  }
  if (status === 404) return new DomainError('NOT_FOUND', 'Not found');
  if (status === 403) return new DomainError('FORBIDDEN', 'Forbidden');
  if (status === 413) return new DomainError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (status === 415) return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The body\'s media type or encoding is not supported');
  // A decoding stream's own error (zlib: "incorrect header check") wrapped by body-parser, and the like.
  if (e.type === undefined && /^Z_|zlib|header check|unexpected end of file/i.test(`${(err as { code?: string }).code ?? ''} ${e.message}`)) {
    return new DomainError('BAD_REQUEST', 'The request body could not be decoded as its Content-Encoding says');
  }
  return new DomainError('BAD_REQUEST', 'The request could not be read');
}

function toDomainError(err: unknown): DomainError {
  if (isDomainError(err)) return err as DomainError;
  const unreadable = fromHttpStack(err);
  if (unreadable) return unreadable;
  const pgCode = (err as { code?: unknown })?.code;
  if (typeof pgCode === 'string' && pgCode in unstorableInput) return new DomainError('VALIDATION_FAILED', `A value cannot be stored: ${unstorableInput[pgCode]}`, { issues: [] });
  // Postgres restarting, Temporal unreachable: not a fault of ours or the caller's; the same request will work shortly.
  if (isTransientFailure(err)) return new DomainError('UNAVAILABLE', 'A dependency is briefly unavailable; retry the request', { retry_after_seconds: 1 });
  return new DomainError('INTERNAL', 'Internal error');
}
