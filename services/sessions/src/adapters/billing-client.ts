import { signToken } from '@hourglass/auth';
import { DomainError, errorStatus, type ErrorCode } from '@hourglass/errors';
import { currentTraceId } from '@hourglass/logger';
import type { CreditKind, SessionType } from '@hourglass/workflows';

const traceHeaders = (): Record<string, string> => {
  const traceId = currentTraceId();
  return traceId ? { 'x-request-id': traceId } : {};
};

export interface CreditSummary {
  user_id: string;
  free_remaining: number;
  paid_remaining: number;
  total_available: number;
}

export interface CheckoutAnswer {
  checkout_session_id: string;
  url: string | null;
  amount_cents: number;
}

/** The credit billing took for a starting session, and what the user's plan gives that session. */
export interface Consumption {
  ledgerEntryId: string;
  grantId: string;
  kind: CreditKind;
  sessionType: SessionType;
  /** May be fractional (plans for demos and tests); the deadline is exact. */
  durationMinutes: number;
  cooldownMinutes: number;
  plan: string;
}

/** Billing refused the credit: the caller's own refusal (402 NO_CREDITS, 403 plan limits, START_ABANDONED). */
export class CreditRefused extends DomainError {}

/**
 * Billing could not be reached at all (the connection was refused, or a balancer reached no replica): the request
 * never arrived, nothing was taken.
 */
export class BillingUnreachable extends DomainError {
  constructor() {
    super('UNAVAILABLE', 'Credits cannot be checked right now; retry in a moment', { retry_after_seconds: 1 });
  }
}

const refusedConnection = (err: unknown) => (err as { cause?: { code?: string } })?.cause?.code === 'ECONNREFUSED';

export interface BillingClient {
  /** Takes one credit for a starting session; idempotent per session id. Throws CreditRefused, or UNAVAILABLE. */
  consumeCredit(input: { userId: string; sessionId: string; preferredKind?: CreditKind }): Promise<Consumption>;
  /** Counts a finished session's seconds in its billing period; idempotent per session id. */
  recordUsage(input: { userId: string; sessionId: string; seconds: number; startedAt: string }): Promise<void>;
  credits(userId: string): Promise<CreditSummary>;
  extensionCheckout(userId: string, sessionId: string, minutes: number, idempotencyKey?: string): Promise<CheckoutAnswer>;
  packCheckout(userId: string, mentorId: string, sessions: number, idempotencyKey?: string): Promise<CheckoutAnswer>;
  /** The user's plan's upload limit in MB. */
  uploadLimitMb(userId: string): Promise<number>;
}

/** Refusals billing may give on a client's behalf that are the client's to hear: the same code, a 4xx. */
const CLIENT_REFUSALS = new Set<ErrorCode>(['VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND', 'NO_CREDITS', 'session_limit_exceeded', 'minutes_limit_exceeded', 'CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'INVALID_TRANSITION', 'NO_SEAT_AVAILABLE']);

/**
 * What billing's answer means for the request it was made for. A refusal of the request itself (a 4xx with one of
 * our codes) becomes the caller's own refusal with the same code and details, described as what could not be done
 * — never "billing answered 422": which service said so is ours to know. Billing unreachable or failing is a 503 the
 * caller may retry. Our own service token refused (401/403) is a fault of ours: a 500, logged.
 */
export async function refusalFrom(res: Response, what: string): Promise<Error> {
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string; request_id?: string; issues?: unknown; [k: string]: unknown };
  const code = body.error as ErrorCode | undefined;
  if (code && CLIENT_REFUSALS.has(code) && errorStatus[code] === res.status) {
    const { error: _e, message, request_id: _r, ...details } = body;
    return new DomainError(code, `${what}: ${message ?? 'refused'}`, details);
  }
  if (res.status === 401 || res.status === 403) return new Error(`${what}: the service token was refused (${res.status}); check JWT_SECRET`);
  return new DomainError('UNAVAILABLE', `${what} right now; retry in a moment`);
}

/** Billing's public HTTP API, called with a short-lived service token. */
export function createBillingClient({ baseUrl, jwtSecret }: { baseUrl: string; jwtSecret: string }): BillingClient {
  // One service token, renewed well before it expires (signing one per call costs more than the call's own work).
  let cached: { token: Promise<string>; renewAt: number } | null = null;
  const token = () => {
    if (!cached || Date.now() >= cached.renewAt) cached = { token: signToken({ sub: 'sessions', role: 'service' }, jwtSecret, '5m'), renewAt: Date.now() + 4 * 60_000 };
    return cached.token;
  };
  const post = async (path: string, body: object, timeoutMs: number) =>
    fetch(new URL(path, baseUrl), {
      method: 'POST',
      // The current trace id goes along as billing's request id: one trace across both services' logs and events.
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', ...traceHeaders() },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  const unreachable = (what: string) => () => {
    throw new DomainError('UNAVAILABLE', `${what} right now; retry in a moment`);
  };
  /** Billing creates the Stripe Checkout Session on the user's behalf. */
  const checkout = async (body: object, idempotencyKey?: string): Promise<CheckoutAnswer> => {
    const what = 'The checkout could not be created';
    const res = await fetch(new URL('/api/checkout', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', ...traceHeaders(), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    }).catch(unreachable(what));
    if (res.status !== 201) throw await refusalFrom(res, what);
    return (await res.json()) as CheckoutAnswer;
  };
  const read = async <T>(path: string, userId: string, what: string): Promise<T> => {
    const url = new URL(path, baseUrl);
    url.searchParams.set('user_id', userId);
    const res = await fetch(url, { headers: { authorization: `Bearer ${await token()}`, ...traceHeaders() }, signal: AbortSignal.timeout(5000) }).catch(unreachable(what));
    if (!res.ok) throw await refusalFrom(res, what);
    return (await res.json()) as T;
  };
  return {
    async consumeCredit({ userId, sessionId, preferredKind }) {
      const res = await post('/internal/consumptions', { user_id: userId, session_id: sessionId, ...(preferredKind ? { preferred_kind: preferredKind } : {}) }, 5000).catch((err: unknown) => {
        throw refusedConnection(err) ? new BillingUnreachable() : err;
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.status === 200) {
        return {
          ledgerEntryId: String(body.ledger_entry_id),
          grantId: String(body.grant_id),
          kind: body.kind as CreditKind,
          sessionType: body.session_type as SessionType,
          durationMinutes: Number(body.duration_minutes),
          cooldownMinutes: Number(body.cooldown_minutes),
          plan: String(body.plan),
        };
      }
      const code = body.error as ErrorCode | undefined;
      // The local stack's balancer says no replica was reached: as good as a refused connection.
      if (res.status === 503 && (body.error as string | undefined) === 'NO_REPLICA') throw new BillingUnreachable();
      // A refusal about the user's credits or plan is the caller's own answer, with billing's details (balances, limits).
      if (code && (code === 'NO_CREDITS' || code === 'session_limit_exceeded' || code === 'minutes_limit_exceeded' || code === 'START_ABANDONED') && errorStatus[code] === res.status) {
        const { error: _e, message, request_id: _r, ...details } = body;
        throw new CreditRefused(code, String(message ?? code), details);
      }
      throw new DomainError('UNAVAILABLE', 'Credits cannot be checked right now; retry in a moment');
    },
    async recordUsage({ userId, sessionId, seconds, startedAt }) {
      const what = 'The usage could not be recorded';
      const res = await post('/internal/usage', { user_id: userId, session_id: sessionId, seconds, started_at: startedAt }, 5000).catch(unreachable(what));
      if (res.status !== 200) throw await refusalFrom(res, what);
    },
    credits: (userId) => read<CreditSummary>('/api/users/credits', userId, 'The credits could not be read'),
    async uploadLimitMb(userId) {
      const body = await read<{ limits?: { max_upload_mb?: number } }>('/api/users/me/usage', userId, 'The plan could not be read');
      if (typeof body.limits?.max_upload_mb !== 'number') throw new DomainError('UNAVAILABLE', 'The plan could not be read right now; retry in a moment');
      return body.limits.max_upload_mb;
    },
    extensionCheckout: (userId, sessionId, minutes, idempotencyKey) => checkout({ kind: 'extension', session_id: sessionId, minutes, user_id: userId }, idempotencyKey),
    packCheckout: (userId, mentorId, sessions, idempotencyKey) => checkout({ kind: 'pack', mentor_id: mentorId, sessions, user_id: userId }, idempotencyKey),
  };
}
