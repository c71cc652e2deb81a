import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowUpdateFailedError } from '@temporalio/client';
import {
  creditAvailableSignal,
  endSessionUpdate,
  extendSessionUpdate,
  gateStateQuery,
  sessionStateQuery,
  setAutoStartUpdate,
  startSessionUpdate,
  workflowIds,
  type SessionView,
} from '../src';
import { startHarness, type Harness } from './helpers';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const newUser = (credits: number) => {
  const userId = `u-${randomUUID()}`;
  h.billing.setCredits(userId, credits);
  return userId;
};
const gate = (userId: string) => h.env.client.workflow.getHandle(workflowIds.gate(userId));
const session = (id: string) => h.env.client.workflow.getHandle(workflowIds.session(id));
const end = (id: string, by: string) => session(id).executeUpdate(endSessionUpdate, { args: [{ requestedBy: by }] });

/** What the sessions API does: update-with-start on user/<id>, the request id as update id. */
function start(userId: string, requestId: string = randomUUID(), requestedAt?: string): Promise<SessionView> {
  const startWorkflowOperation = new WithStartWorkflowOperation('userGateWorkflow', {
    workflowId: workflowIds.gate(userId),
    taskQueue: h.taskQueue,
    args: [{ userId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return h.env.client.workflow.executeUpdateWithStart(startSessionUpdate, { args: [{ requestId, userId, mode: 'chat', requestedAt }], updateId: requestId, startWorkflowOperation });
}

async function refusalOf(p: Promise<unknown>): Promise<{ type?: string; details?: unknown }> {
  try {
    await p;
  } catch (e) {
    const cause = (e as WorkflowUpdateFailedError).cause as { type?: string; details?: unknown[] };
    return { type: cause?.type, details: cause?.details?.[0] };
  }
  throw new Error('expected a refusal');
}

test('a session expires by itself at expires_at, records usage once and starts the cooldown', async () => {
  const userId = newUser(2);
  const s = await start(userId);
  expect(s).toMatchObject({ status: 'active', sessionType: 'freemium', durationMinutes: 5 });
  expect(Date.parse(s.expiresAt) - Date.parse(s.startedAt)).toBe(5 * 60_000);
  expect(h.sessions.started.get(s.id)?.expiresAt).toBe(s.expiresAt);

  const outcome = await session(s.id).result();
  expect(outcome).toMatchObject({ status: 'expired', durationUsedSeconds: 300, endedAt: s.expiresAt });
  expect(h.sessions.ended.get(s.id)).toMatchObject({ status: 'expired', durationUsedSeconds: 300 });
  expect(h.billing.usage.get(s.id)).toBe(300);

  const state = await gate(userId).query(gateStateQuery);
  expect(state.activeSessionId).toBeNull();
  expect(Date.parse(state.cooldownUntil!)).toBe(Date.parse(s.expiresAt) + 10 * 60_000);
});

test('cooldown refuses a start with cooldown_until and retry_after_seconds, then allows it', async () => {
  const userId = newUser(2);
  const first = await start(userId);
  await end(first.id, userId);

  const refusal = await refusalOf(start(userId));
  expect(refusal.type).toBe('COOLDOWN_ACTIVE');
  const details = refusal.details as { retry_after_seconds: number; cooldown_until: string };
  expect(details.retry_after_seconds).toBeGreaterThan(590);
  expect(details.retry_after_seconds).toBeLessThanOrEqual(600);
  expect(details.cooldown_until).toEqual(expect.any(String));

  await h.env.sleep('10 minutes');
  const second = await start(userId);
  expect(second.id).not.toBe(first.id);
  expect(h.billing.creditsOf(userId)).toBe(0);
});

test('ending early returns duration used; ending again (even concurrently) returns the same answer', async () => {
  const userId = newUser(1);
  const s = await start(userId);
  await h.env.sleep('28 seconds');
  const [a, b] = await Promise.all([end(s.id, userId), end(s.id, userId)]);
  expect(a).toEqual(b);
  expect(a.status).toBe('ended');
  expect(a.durationUsedSeconds).toBeGreaterThanOrEqual(28);
  expect(a.durationUsedSeconds).toBeLessThan(40);
  expect(h.billing.usage.get(s.id)).toBe(a.durationUsedSeconds);
});

test('no credits → NO_CREDITS with balances, and nothing starts', async () => {
  const userId = newUser(0);
  const refusal = await refusalOf(start(userId));
  expect(refusal).toEqual({ type: 'NO_CREDITS', details: { free_remaining: 0, paid_remaining: 0, total_available: 0 } });
  expect([...h.sessions.started.values()].filter((r) => r.userId === userId)).toHaveLength(0);
  expect((await gate(userId).query(gateStateQuery)).activeSessionId).toBeNull();
});

test('concurrent starts for one user: exactly one session, one credit; a retried request id gets the same session', async () => {
  const userId = newUser(5);
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => start(userId)));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  expect(h.billing.consumedBy(userId)).toHaveLength(1);
  expect(h.billing.creditsOf(userId)).toBe(4);
  for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
    expect((r.reason.cause as { type: string }).type).toBe('SESSION_ALREADY_ACTIVE');
  }

  const other = newUser(5);
  const requestId = randomUUID();
  const once = await start(other, requestId);
  const again = await start(other, requestId);
  expect(again).toEqual(once);
  expect(h.billing.consumedBy(other)).toHaveLength(1);
});

test('an extension moves the deadline once per payment id; the session does not expire at the old time', async () => {
  const userId = newUser(1);
  h.billing.durationMinutes.set(userId, 45);
  const s = await start(userId);
  const extended = await session(s.id).executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'pay_1', minutes: 15 }] });
  const replayed = await session(s.id).executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'pay_1', minutes: 15 }] });
  expect(Date.parse(extended.expiresAt)).toBe(Date.parse(s.expiresAt) + 15 * 60_000);
  expect(replayed.expiresAt).toBe(extended.expiresAt);
  expect(replayed.durationMinutes).toBe(60);

  await h.env.sleep('50 minutes');
  expect((await session(s.id).query(sessionStateQuery)).status).toBe('active');
  const outcome = await session(s.id).result();
  expect(outcome).toMatchObject({ status: 'expired', durationUsedSeconds: 3600, endedAt: extended.expiresAt });
});

test('participants hear session:ending_soon a minute before each deadline, once per deadline', async () => {
  const userId = newUser(1);
  h.billing.durationMinutes.set(userId, 45);
  const s = await start(userId);
  await h.env.sleep(44.5 * 60_000); // warned at 44:00 for the first deadline
  const extended = await session(s.id).executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'pay_warn', minutes: 15 }] });
  await session(s.id).result();
  const warnings = h.sessions.endingSoon.get(s.id)!;
  expect(warnings.map((w) => w.expiresAt)).toEqual([s.expiresAt, extended.expiresAt]);
  // Scheduled by the timer at deadline − 60 s (plus the moment a workflow task takes, not minutes).
  for (const w of warnings) expect(w.at - (Date.parse(w.expiresAt) - 60_000)).toBeGreaterThanOrEqual(0);
  for (const w of warnings) expect(w.at - (Date.parse(w.expiresAt) - 60_000)).toBeLessThan(5_000);
});

test('extending an ended session is refused as INVALID_TRANSITION', async () => {
  const userId = newUser(1);
  const s = await start(userId);
  await end(s.id, userId);
  // The workflow has completed: the update is refused by Temporal; the API answers 409 INVALID_TRANSITION from its
  // read model (tests/test/payments-stripe.test.ts).
  await expect(session(s.id).executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'late', minutes: 10 }] })).rejects.toThrow();
});

test('auto-start: paid during cooldown → starts the moment the cooldown ends, exactly once', async () => {
  const userId = newUser(1);
  const first = await start(userId);
  await end(first.id, userId);
  await gate(userId).executeUpdate(setAutoStartUpdate, { args: [{ enabled: true, mode: 'chat' }] });
  h.billing.setCredits(userId, 1); // the payment arrives during the cooldown
  await gate(userId).signal(creditAvailableSignal, { grantId: 'g-paid' });
  expect((await gate(userId).query(gateStateQuery)).activeSessionId).toBeNull();

  await h.env.sleep('10 minutes');
  const state = await gate(userId).query(gateStateQuery);
  expect(state.activeSessionId).not.toBeNull();
  expect(state.autoStart).toBeNull();
  expect(h.sessions.started.get(state.activeSessionId!)?.autoStarted).toBe(true);
  expect(h.billing.consumedBy(userId)).toHaveLength(2);
  expect(h.billing.creditsOf(userId)).toBe(0);
});

test('auto-start: no credit at cooldown end → waits; a credit arrives → starts at once', async () => {
  const userId = newUser(1);
  const first = await start(userId);
  await end(first.id, userId);
  await gate(userId).executeUpdate(setAutoStartUpdate, { args: [{ enabled: true }] });
  await h.env.sleep('11 minutes');
  let state = await gate(userId).query(gateStateQuery);
  expect(state.activeSessionId).toBeNull();
  expect(state.autoStart).not.toBeNull();

  h.billing.setCredits(userId, 1);
  await gate(userId).signal(creditAvailableSignal, { grantId: 'g-late' });
  const deadline = Date.now() + 10_000;
  while ((state = await gate(userId).query(gateStateQuery)).activeSessionId === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(state.activeSessionId).not.toBeNull();
  expect(h.billing.consumedBy(userId)).toHaveLength(2);
});

test('a session that cannot be recorded gives its credit back', async () => {
  const userId = newUser(1);
  h.sessions.failNextStartFor.add(userId);
  const refusal = await refusalOf(start(userId));
  expect(refusal.type).toBe('START_FAILED');
  expect(h.billing.creditsOf(userId)).toBe(1);
  const s = await start(userId);
  expect(s.status).toBe('active');
});

describe('a start held up by an outage past its freshness window starts nothing and keeps no credit', () => {
  const serverNow = async () => h.env.currentTimeMs();

  test('billing down past the window: the credit taken at last is given back, START_FAILED says how long it waited', async () => {
    const userId = newUser(1);
    const refundedBefore = h.billing.refunded.length;
    // Asked 50 s ago (still fresh when the gate gets it); billing then refuses 6 attempts as if its database were
    // down, and the retries' backoff (0.2 s doubling: 12.6 s, real time: the test server does not skip while an
    // activity is pending) carries the start past 60 s before the credit is taken.
    h.billing.outageAttempts.set(userId, 6);
    const requestedAt = new Date((await serverNow()) - 50_000).toISOString();
    const refusal = await refusalOf(start(userId, randomUUID(), requestedAt));
    expect(refusal.type).toBe('START_FAILED');
    expect((refusal.details as { waited_seconds: number }).waited_seconds).toBeGreaterThan(60);
    expect(h.billing.consumedBy(userId)).toHaveLength(0);
    expect(h.billing.refunded).toHaveLength(refundedBefore + 1);
    expect(h.billing.creditsOf(userId)).toBe(1);
    expect([...h.sessions.started.values()].filter((r) => r.userId === userId)).toHaveLength(0);
    expect((await gate(userId).query(gateStateQuery)).activeSessionId).toBeNull();
    // A new request, billing back: starts at once with that credit.
    const s = await start(userId, randomUUID(), new Date(await serverNow()).toISOString());
    expect(s.status).toBe('active');
    expect(h.billing.creditsOf(userId)).toBe(0);
  });

  test('a request the gate only reaches after the window (its worker was away) takes nothing', async () => {
    const userId = newUser(1);
    const refusal = await refusalOf(start(userId, randomUUID(), new Date((await serverNow()) - 61_000).toISOString()));
    expect(refusal.type).toBe('START_FAILED');
    expect(h.billing.consumedBy(userId)).toHaveLength(0);
    expect(h.billing.creditsOf(userId)).toBe(1);
  });

  test('a short outage inside the window only delays the start', async () => {
    const userId = newUser(1);
    h.billing.outageAttempts.set(userId, 4); // 0.2 + 0.4 + 0.8 + 1.6 = 3 s of backoff
    const s = await start(userId, randomUUID(), new Date(await serverNow()).toISOString());
    expect(s.status).toBe('active');
    expect(h.billing.consumedBy(userId)).toHaveLength(1);
    expect(h.billing.refunded).not.toContain(s.id);
  });
});
