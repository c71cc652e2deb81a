import { request } from 'node:http';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { admin } from './admin';

// Seeds 000, 002 and 003 through the public APIs of the running stack (real Temporal, Kafka, Postgres).
jest.setTimeout(90_000);

type Admin = Awaited<ReturnType<typeof admin>>;
let ops: Admin;
beforeAll(async () => {
  ops = await admin();
  // Short lengths so real-time behaviour shows within seconds (10-minute logic is covered by time-skipping tests).
  await ops.plan('e2e-short', { session_minutes: { freemium: 0.05, paid: 0.05, test: 0.05, pack: 0.05 }, cooldown_minutes: 0 });
  await ops.plan('e2e-limited', { max_sessions_per_period: 1, cooldown_minutes: 0 });
  await ops.plan('e2e-pay-per-session', { mode: 'pay_per_session', signup_free_credits: 1, cooldown_minutes: 0.05, session_minutes: { freemium: 45, paid: 45, test: 45, pack: 60 } });
});

/** POST on a connection of its own (node:http, no agent): what a thousand separate clients would send. */
function postOnFreshConnection(url: string, token: string, body: unknown): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function newUser(plan?: string, { freeCredits }: { freeCredits?: number } = {}) {
  const id = uniqueId('e2e');
  const token = await tokenFor(id);
  // The account is created on first sight under the default plan (3 signup credits), then moved to `plan`.
  if (plan) await ops.assignPlan(id, plan);
  if (freeCredits !== undefined && freeCredits < 3) await ops.revoke(id, 'free', 3 - freeCredits);
  return {
    id,
    token,
    start: (body: Record<string, unknown> = { mode: 'intake' }, headers: Record<string, string> = {}) => api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body, headers }),
    get: (sessionId: string) => api(stack.sessionsUrl, `/api/sessions/${sessionId}`, { token }),
    end: (sessionId: string) => api(stack.sessionsUrl, `/api/sessions/${sessionId}/end`, { method: 'POST', token }),
    credits: () => api(stack.billingUrl, '/api/users/credits', { token }),
    gate: () => api(stack.sessionsUrl, '/api/users/me/gate', { token }),
    autoStart: () => api(stack.sessionsUrl, '/api/users/me/auto-start', { method: 'POST', token, body: { enabled: true, mode: 'intake' } }),
  };
}

describe('seed 000: timed sessions and credits', () => {
  test('a new user has 3 free credits; a session with a free credit is freemium, 5 minutes', async () => {
    const u = await newUser();
    expect((await u.credits()).body).toEqual({ user_id: u.id, free_remaining: 3, paid_remaining: 0, total_available: 3, pack_remaining: 0 });
    const res = await u.start();
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      status: 'ok',
      session: { id: expect.any(String), mode: 'intake', session_type: 'freemium', duration_minutes: 5, started_at: expect.any(String), expires_at: expect.any(String), status: 'active' },
    });
    expect((await u.credits()).body).toMatchObject({ free_remaining: 2, total_available: 2 });
  });

  test('only paid credits → a paid 45-minute session', async () => {
    const u = await newUser();
    await ops.revoke(u.id, 'free', 3);
    await ops.grant(u.id, 'paid', 1);
    const res = await u.start();
    expect(res.status).toBe(201);
    expect(res.body.session).toMatchObject({ session_type: 'paid', duration_minutes: 45 });
    expect(Date.parse(res.body.session.expires_at) - Date.parse(res.body.session.started_at)).toBe(45 * 60_000);
    expect((await u.credits()).body).toMatchObject({ free_remaining: 0, paid_remaining: 0, total_available: 0 });
  });

  test('no credits → 402 NO_CREDITS with balances', async () => {
    const u = await newUser();
    await ops.revoke(u.id, 'free', 3);
    const res = await u.start();
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ error: 'NO_CREDITS', message: 'No sessions available. Please purchase more.', free_remaining: 0, paid_remaining: 0 });
  });

  test('GET while active counts down from server time; the workflow expires the session by itself', async () => {
    const u = await newUser('e2e-short');
    const { body } = await u.start();
    const active = await u.get(body.session.id);
    expect(active.body).toMatchObject({ status: 'active', session_type: 'freemium', expires_at: body.session.expires_at, server_time: expect.any(String) });
    expect(active.body.remaining_seconds).toBeGreaterThanOrEqual(0);
    expect(active.body.remaining_seconds).toBeLessThanOrEqual(3);

    // No client call ends it: the session workflow's timer does, and records the duration used.
    const expired = await eventually(async () => {
      const r = await u.get(body.session.id);
      return r.body.ended_at ? r.body : undefined;
    }, { timeoutMs: 20000, what: 'the session to expire by itself' });
    expect(expired).toMatchObject({ status: 'expired', remaining_seconds: 0, message: 'Session has expired', duration_used_seconds: 3, ended_at: body.session.expires_at });
    const end = await u.end(body.session.id);
    expect(end.body).toEqual({ session_id: body.session.id, status: 'expired', duration_used_seconds: 3, message: 'Session has expired' });
  });

  test('an Idempotency-Key retried gives the same session and takes one credit', async () => {
    const u = await newUser();
    const key = { 'idempotency-key': uniqueId('key') };
    const [a, b] = await Promise.all([u.start({ mode: 'intake' }, key), u.start({ mode: 'intake' }, key)]);
    const c = await u.start({ mode: 'intake' }, key);
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(b.body.session.id).toBe(a.body.session.id);
    expect(c.body.session.id).toBe(a.body.session.id);
    expect((await u.credits()).body.free_remaining).toBe(2);
  });
});

describe('seed 002: cooldown and the pay-per-session gate', () => {
  test('after a session: 409 COOLDOWN_ACTIVE with cooldown_until and retry_after_seconds; the gate view agrees', async () => {
    const u = await newUser();
    const { body } = await u.start();
    const ended = await u.end(body.session.id);
    const refused = await u.start();
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'COOLDOWN_ACTIVE', cooldown_until: expect.any(String) });
    expect(refused.body.retry_after_seconds).toBeGreaterThan(590);
    const cooldownMs = Date.parse(refused.body.cooldown_until) - Date.parse(body.session.started_at);
    expect(cooldownMs).toBeGreaterThanOrEqual(10 * 60_000 + ended.body.duration_used_seconds * 1000 - 1000);
    const gate = await u.gate();
    expect(gate.body).toMatchObject({ cooldown_until: refused.body.cooldown_until, has_credit: true, can_start: false, auto_start: false, server_time: expect.any(String) });
  });

  test('a second start while one is active → 409 SESSION_ALREADY_ACTIVE with its id', async () => {
    const u = await newUser();
    const first = await u.start();
    const second = await u.start();
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'SESSION_ALREADY_ACTIVE', active_session_id: first.body.session.id });
  });

  test('pay during cooldown → the session auto-starts at cooldown end, one credit redeemed', async () => {
    const u = await newUser('e2e-pay-per-session', { freeCredits: 1 });
    const first = await u.start(); // first session free
    expect(first.status).toBe(201);
    await u.end(first.body.session.id);
    expect((await u.start()).status).toBe(409);
    expect((await u.autoStart()).body).toMatchObject({ auto_start: true, can_start: false });
    await ops.grant(u.id, 'paid', 1); // the payment arrives during the cooldown
    const gate = await eventually(async () => {
      const g = await u.gate();
      return g.body.active_session_id ? g.body : undefined;
    }, { timeoutMs: 20000, what: 'the auto-start' });
    expect(gate).toMatchObject({ auto_start: false, has_credit: false });
    expect((await u.get(gate.active_session_id)).body).toMatchObject({ status: 'active', session_type: 'paid' });
    expect((await u.credits()).body.total_available).toBe(0);
  });

  test('skip payment → 402 once the cooldown is over; pay with auto-start on → starts at once', async () => {
    const u = await newUser('e2e-pay-per-session', { freeCredits: 1 });
    const first = await u.start();
    await u.end(first.body.session.id);
    const noCredit = await eventually(async () => {
      const r = await u.start();
      return r.status === 402 ? r : undefined;
    }, { timeoutMs: 10000, what: 'the cooldown to pass' });
    expect(noCredit.body).toMatchObject({ error: 'NO_CREDITS', free_remaining: 0, paid_remaining: 0 });
    await u.autoStart();
    await ops.grant(u.id, 'paid', 1);
    const gate = await eventually(async () => {
      const g = await u.gate();
      return g.body.active_session_id ? g.body : undefined;
    }, { timeoutMs: 20000, what: 'the session to start when the credit arrives' });
    expect(gate.active_session_id).toEqual(expect.any(String));
  });
});

describe('races', () => {
  test('50 concurrent starts for one user with one credit → exactly one 201, one credit consumed', async () => {
    const u = await newUser();
    await ops.revoke(u.id, 'free', 2);
    const results = await Promise.all(Array.from({ length: 50 }, () => u.start()));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      // Refused by the gate, or turned away at once while the user's first starts were still being answered.
      expect([409, 402, 429]).toContain(r.status);
      expect(['SESSION_ALREADY_ACTIVE', 'NO_CREDITS', 'TOO_MANY_REQUESTS']).toContain(r.body.error);
      if (r.status === 429) expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await u.credits()).body.total_available).toBe(0);
    const consumed = (await ops.ledger(u.id)).entries.filter((e: { reason: string }) => e.reason === 'consume');
    expect(consumed).toHaveLength(1);
  });

  test('a burst of 1,000 concurrent starts by one new user → one session, one credit; every other answer a 4xx refusal', async () => {
    const u = await newUser();
    // A connection of its own for each (no keep-alive socket the server may be closing as it is reused), no retries.
    const results = await Promise.all(Array.from({ length: 1000 }, () => postOnFreshConnection(`${stack.sessionsUrl}/api/sessions`, u.token, { mode: 'intake' })));
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(byStatus.get(201)).toBe(1);
    expect([...byStatus.keys()].filter((s) => ![201, 402, 409, 429].includes(s))).toEqual([]);
    expect((await u.credits()).body.free_remaining).toBe(2);
    const consumed = (await ops.ledger(u.id)).entries.filter((e: { reason: string }) => e.reason === 'consume');
    expect(consumed).toHaveLength(1);
  });

  test('20 concurrent first requests of a new user → exactly 3 free credits', async () => {
    const u = await newUser();
    const all = await Promise.all(Array.from({ length: 20 }, () => u.credits()));
    for (const r of all) expect(r.body).toMatchObject({ free_remaining: 3, total_available: 3 });
    const grants = (await ops.ledger(u.id)).entries.filter((e: { reason: string }) => e.reason === 'grant');
    expect(grants).toHaveLength(1);
  });
});

describe('seed 003: plan limits per billing period', () => {
  test('a limit breach is a structured 403, never a 500', async () => {
    const u = await newUser('e2e-limited');
    const first = await u.start();
    await u.end(first.body.session.id);
    const refused = await u.start();
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'session_limit_exceeded', plan: 'e2e-limited', current_usage: 1, limit: 1 });
    const usage = await api(stack.billingUrl, '/api/users/me/usage', { token: u.token });
    expect(usage.body).toMatchObject({ plan: 'e2e-limited', sessions_used: 1 });
  });
});
