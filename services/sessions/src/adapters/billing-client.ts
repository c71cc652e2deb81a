import { signToken } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';

export interface CreditSummary {
  user_id: string;
  free_remaining: number;
  paid_remaining: number;
  total_available: number;
}

export interface BillingClient {
  credits(userId: string): Promise<CreditSummary>;
}

/** Billing's public HTTP API, called with a short-lived service token. */
export function createBillingClient({ baseUrl, jwtSecret }: { baseUrl: string; jwtSecret: string }): BillingClient {
  return {
    async credits(userId) {
      const token = await signToken({ sub: 'sessions', role: 'service' }, jwtSecret, '5m');
      const url = new URL('/api/users/credits', baseUrl);
      url.searchParams.set('user_id', userId);
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new DomainError('UNAVAILABLE', `billing answered ${res.status}`);
      return (await res.json()) as CreditSummary;
    },
  };
}
