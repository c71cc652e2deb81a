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
  /** Billing creates the Stripe Checkout Session on the user's behalf. */
  const checkout = async (body: object, idempotencyKey?: string): Promise<CheckoutAnswer> => {
    const res = await fetch(new URL('/api/checkout', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    if (res.status !== 201) throw new DomainError('UNAVAILABLE', `billing checkout answered ${res.status}`);
    return (await res.json()) as CheckoutAnswer;
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
      const res = await post('/internal/usage', { user_id: userId, session_id: sessionId, seconds, started_at: startedAt }, 5000);
      if (res.status !== 200) throw new DomainError('UNAVAILABLE', `usage could not be recorded (${res.status})`);
    },
    async credits(userId) {
      const url = new URL('/api/users/credits', baseUrl);
      url.searchParams.set('user_id', userId);
      const res = await fetch(url, { headers: { authorization: `Bearer ${await token()}` }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new DomainError('UNAVAILABLE', `billing answered ${res.status}`);
      return (await res.json()) as CreditSummary;
    },
    async uploadLimitMb(userId) {
      const url = new URL('/api/users/me/usage', baseUrl);
      url.searchParams.set('user_id', userId);
      const res = await fetch(url, { headers: { authorization: `Bearer ${await token()}` }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new DomainError('UNAVAILABLE', `billing answered ${res.status}`);
      const body = (await res.json()) as { limits?: { max_upload_mb?: number } };
      if (typeof body.limits?.max_upload_mb !== 'number') throw new DomainError('UNAVAILABLE', 'billing gave no upload limit');
      return body.limits.max_upload_mb;
    },
    extensionCheckout: (userId, sessionId, minutes, idempotencyKey) => checkout({ kind: 'extension', session_id: sessionId, minutes, user_id: userId }, idempotencyKey),
    packCheckout: (userId, mentorId, sessions, idempotencyKey) => checkout({ kind: 'pack', mentor_id: mentorId, sessions, user_id: userId }, idempotencyKey),
  };
}
