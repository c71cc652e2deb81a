import { randomUUID } from 'node:crypto';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { billingMigrations } from '../src/adapters/database';
import * as ledger from '../src/use-cases/ledger';

jest.setTimeout(60_000);

let db: ThrowawayDatabase;
let clock = new Date('2026-03-10T10:00:00Z');
const deps = () => ({ pool: db.pool, defaultPlanId: 'standard', now: () => clock });

beforeAll(async () => {
  db = await throwawayDatabase('billing', billingMigrations);
  await db.pool.query(`INSERT INTO plans (id, name, mode, max_sessions_per_period, max_minutes_per_period, session_minutes, cooldown_minutes, signup_free_credits)
    VALUES ('limited', 'Limited', 'standard', 2, 60, '{"freemium":5,"paid":45,"test":45,"pack":60}', 10, 3)`);
});
afterAll(() => db?.drop());
beforeEach(() => {
  clock = new Date('2026-03-10T10:00:00Z');
});

const user = () => `u-${randomUUID()}`;
const refusal = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e) => e);
const count = async (sql: string, params: unknown[]) => (await db.pool.query(sql, params)).rows[0].n as number;

test('a new user gets exactly 3 free credits once, even under 20 concurrent first requests', async () => {
  const u = user();
  const summaries = await Promise.all(Array.from({ length: 20 }, () => ledger.creditSummary(deps(), u)));
  for (const s of summaries) expect(s).toMatchObject({ user_id: u, free_remaining: 3, paid_remaining: 0, total_available: 3 });
  expect(await count(`SELECT count(*)::int AS n FROM credit_grants WHERE user_id = $1`, [u])).toBe(1);
  expect(await count(`SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = $1 AND reason = 'grant'`, [u])).toBe(1);
  expect(await count(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'billing.credit.granted.v1' AND key = $1`, [u])).toBe(1);
});

test('50 concurrent consumptions with one credit: exactly one succeeds, the rest get NO_CREDITS', async () => {
  const u = user();
  await db.pool.query(`INSERT INTO plans (id, name, mode, session_minutes, signup_free_credits) VALUES ($1, 'one', 'pay_per_session', '{"freemium":45,"paid":45,"test":45,"pack":60}', 1) ON CONFLICT DO NOTHING`, ['one-credit']);
  const d = { ...deps(), defaultPlanId: 'one-credit' };
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => ledger.consumeCredit(d, { userId: u, sessionId: randomUUID() })));
  const ok = results.filter((r) => r.status === 'fulfilled');
  expect(ok).toHaveLength(1);
  for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
    expect(r.reason).toMatchObject({ code: 'NO_CREDITS', details: { free_remaining: 0, paid_remaining: 0, total_available: 0 } });
  }
  expect((await ledger.creditSummary(d, u)).total_available).toBe(0);
  expect(await count(`SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = $1 AND reason = 'consume'`, [u])).toBe(1);
});

test('a retried consumption for the same session takes one credit and answers the same', async () => {
  const u = user();
  const sessionId = randomUUID();
  const [a, b] = await Promise.all([ledger.consumeCredit(deps(), { userId: u, sessionId }), ledger.consumeCredit(deps(), { userId: u, sessionId })]);
  const c = await ledger.consumeCredit(deps(), { userId: u, sessionId });
  expect(b).toEqual(a);
  expect(c).toEqual(a);
  expect(a).toMatchObject({ kind: 'free', sessionType: 'freemium', durationMinutes: 5, cooldownMinutes: 10 });
  expect((await ledger.creditSummary(deps(), u)).free_remaining).toBe(2);
});

test('only paid credits → a paid 45-minute session; free credits burn first', async () => {
  const u = user();
  await ledger.grantCredits(deps(), { userId: u, kind: 'paid', quantity: 1, source: 'admin', sourceRef: `r-${u}`, actor: 'ops' });
  const kinds = [];
  for (let i = 0; i < 4; i++) kinds.push((await ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() })).kind);
  expect(kinds).toEqual(['free', 'free', 'free', 'paid']);
  await expect(refusal(ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() }))).resolves.toMatchObject({ code: 'NO_CREDITS', status: 402 });
});

test("seed 003: heavy usage before the period start does not count; a breach is a structured 403", async () => {
  const u = user();
  await ledger.creditSummary(deps(), u); // account created, period starts now
  await ledger.setUserPlan(deps(), u, 'limited');
  await ledger.grantCredits(deps(), { userId: u, kind: 'paid', quantity: 10, source: 'admin', sourceRef: `h-${u}`, actor: 'ops' });
  // 40 sessions / 600 minutes in earlier periods.
  for (let i = 0; i < 40; i++) {
    await db.pool.query(`INSERT INTO session_usage (session_id, user_id, started_at, seconds, recorded_at) VALUES ($1, $2, $3, 900, now())`, [randomUUID(), u, new Date(Date.parse('2025-06-01Z') + i * 86400000)]);
  }
  await ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() });
  await ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() });
  const breach = await refusal(ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() }));
  expect(breach).toMatchObject({ code: 'session_limit_exceeded', status: 403, details: { plan: 'limited', current_usage: 2, limit: 2 } });
  expect((await ledger.usageSummary(deps(), u)).sessions_used).toBe(2);

  // The period rolls over by itself: usage starts from zero again.
  clock = new Date('2026-04-11T10:00:00Z');
  const next = await ledger.usageSummary(deps(), u);
  expect(next).toMatchObject({ sessions_used: 0, minutes_used: 0, period_start: '2026-04-10T10:00:00.000Z', period_end: '2026-05-10T10:00:00.000Z' });
  // One of the 3 free credits is still there and burns first.
  await expect(ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() })).resolves.toMatchObject({ kind: 'free' });
});

test('minutes limit counts recorded seconds of the current period', async () => {
  const u = user();
  await ledger.creditSummary(deps(), u);
  await ledger.setUserPlan(deps(), u, 'limited');
  const s = randomUUID();
  await ledger.consumeCredit(deps(), { userId: u, sessionId: s });
  await ledger.recordUsage(deps(), { userId: u, sessionId: s, seconds: 3600, startedAt: clock.toISOString() });
  await ledger.recordUsage(deps(), { userId: u, sessionId: s, seconds: 1, startedAt: clock.toISOString() }); // repeated: ignored
  expect((await ledger.usageSummary(deps(), u)).minutes_used).toBe(60);
  expect(await refusal(ledger.consumeCredit(deps(), { userId: u, sessionId: randomUUID() }))).toMatchObject({ code: 'minutes_limit_exceeded', details: { current_usage: 60, limit: 60 } });
});

test('a refund gives the credit back once and the session stops counting', async () => {
  const u = user();
  const s = randomUUID();
  await ledger.consumeCredit(deps(), { userId: u, sessionId: s });
  await Promise.all([1, 2, 3].map(() => ledger.refundConsumption(deps(), { userId: u, sessionId: s, reason: 'failed to start' })));
  expect((await ledger.creditSummary(deps(), u)).free_remaining).toBe(3);
  expect((await ledger.usageSummary(deps(), u)).sessions_used).toBe(0);
  await ledger.refundConsumption(deps(), { userId: u, sessionId: randomUUID(), reason: 'nothing was taken' });
  expect((await ledger.creditSummary(deps(), u)).free_remaining).toBe(3);
});

test('the database itself refuses a negative balance and edits of the ledger', async () => {
  const u = user();
  await ledger.creditSummary(deps(), u);
  await expect(db.pool.query(`UPDATE credit_grants SET remaining = remaining - 4 WHERE user_id = $1`, [u])).rejects.toMatchObject({ code: '23514' });
  await db.pool.query(`UPDATE credit_ledger SET delta = 100 WHERE user_id = $1`, [u]);
  await db.pool.query(`DELETE FROM credit_ledger WHERE user_id = $1`, [u]);
  expect((await db.pool.query(`SELECT delta FROM credit_ledger WHERE user_id = $1`, [u])).rows).toEqual([{ delta: 3 }]);
});
