/**
 * Every refusal Hourglass gives has a code from this table, and this table is the only place that maps a code to an
 * HTTP status. Domain code throws DomainError; the HTTP layer turns it into `{ error, message, ...details }`.
 */
export const errorStatus = {
  VALIDATION_FAILED: 422,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NO_CREDITS: 402,
  session_limit_exceeded: 403,
  minutes_limit_exceeded: 403,
  COOLDOWN_ACTIVE: 409,
  SESSION_ALREADY_ACTIVE: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  /** The same Idempotency-Key is being answered right now (a concurrent retry): ask again in a moment. */
  REQUEST_IN_PROGRESS: 409,
  /** Billing, to the sessions service: that session's start was abandoned, no credit is taken for it. */
  START_ABANDONED: 409,
  INVALID_TRANSITION: 409,
  NO_SEAT_AVAILABLE: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SIGNATURE_INVALID: 400,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = errorStatus[code];
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'DomainError' && 'code' in e);
}

export const notFound = (what: string, details: Record<string, unknown> = {}) => new DomainError('NOT_FOUND', `${what} not found`, details);
export { isTransientFailure } from './transient';
export { isPermanentFailure, sqlStateOf } from './permanent';
