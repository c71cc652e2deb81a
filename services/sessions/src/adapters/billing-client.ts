import { signToken } from '@hourglass/auth';
import { DomainError, errorStatus, type ErrorCode } from '@hourglass/errors';

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

export interface BillingClient {
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
  const token = () => signToken({ sub: 'sessions', role: 'service' }, jwtSecret, '5m');
  const unreachable = (what: string) => () => {
    throw new DomainError('UNAVAILABLE', `${what} right now; retry in a moment`);
  };
  /** Billing creates the Stripe Checkout Session on the user's behalf. */
  const checkout = async (body: object, idempotencyKey?: string): Promise<CheckoutAnswer> => {
    const what = 'The checkout could not be created';
    const res = await fetch(new URL('/api/checkout', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    }).catch(unreachable(what));
    if (res.status !== 201) throw await refusalFrom(res, what);
    return (await res.json()) as CheckoutAnswer;
  };
  const read = async <T>(path: string, userId: string, what: string): Promise<T> => {
    const url = new URL(path, baseUrl);
    url.searchParams.set('user_id', userId);
    const res = await fetch(url, { headers: { authorization: `Bearer ${await token()}` }, signal: AbortSignal.timeout(5000) }).catch(unreachable(what));
    if (!res.ok) throw await refusalFrom(res, what);
    return (await res.json()) as T;
  };
  return {
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
