import { api, stack, tokenFor } from '@hourglass/testing';

/** What an operator does through billing's admin API: plans, plan assignment, grants and revocations. */
export async function admin() {
  const token = await tokenFor('e2e-admin', 'admin');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(stack.billingUrl, path, { method, token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    plan: (id: string, overrides: Record<string, unknown> = {}) =>
      call('PUT', `/admin/plans/${id}`, {
        name: id,
        mode: 'standard',
        max_sessions_per_period: null,
        max_minutes_per_period: null,
        session_minutes: { freemium: 5, paid: 45, test: 45, pack: 60 },
        cooldown_minutes: 10,
        max_upload_mb: 10,
        signup_free_credits: 3,
        ...overrides,
      }),
    assignPlan: (userId: string, plan: string) => call('PUT', `/admin/users/${userId}/plan`, { plan }),
    grant: (userId: string, kind: string, quantity = 1) => call('POST', `/admin/users/${userId}/credits`, { kind, quantity, reason: 'e2e' }),
    revoke: (userId: string, kind: string, quantity: number) => call('POST', `/admin/users/${userId}/credits/revoke`, { kind, quantity, reason: 'e2e' }),
    ledger: (userId: string) => call('GET', `/admin/users/${userId}/ledger`),
  };
}
