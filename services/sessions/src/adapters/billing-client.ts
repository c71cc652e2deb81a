import { signToken } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';

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

/** Billing's public HTTP API, called with a short-lived service token. */
export function createBillingClient({ baseUrl, jwtSecret }: { baseUrl: string; jwtSecret: string }): BillingClient {
  const token = () => signToken({ sub: 'sessions', role: 'service' }, jwtSecret, '5m');
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
