import { randomUUID } from 'node:crypto';
import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { endSessionUpdate, extendSessionUpdate, searchAttributes, sessionStateQuery, workflowIds, type SessionStart } from '../src';
import { startHarness, type Harness } from './helpers';

// The session workflow on Temporal's time-skipping server: deadlines, extensions, the end, the cooldown and the
// auto-start after it, with its steps (local activities) recorded by FakeSteps.
jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const MINUTE = 60_000;

/** What the sessions service does once the gate decided and billing took the credit: one workflow start. */
async function startSession(overrides: Partial<SessionStart> = {}) {
  const now = await h.env.currentTimeMs();
  const minutes = overrides.durationMinutes ?? 5;
  const start: SessionStart = {
    sessionId: randomUUID(),
    userId: `u-${randomUUID()}`,
    mode: 'chat',
    sessionType: 'freemium',
    durationMinutes: minutes,
    startedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + minutes * MINUTE).toISOString(),
    creditKind: 'free',
    ledgerEntryId: `l-${randomUUID()}`,
    cooldownMinutes: 10,
    autoStarted: false,
    ...overrides,
  };
  const handle = await h.env.client.workflow.start('timedSessionWorkflow', {
    workflowId: workflowIds.session(start.sessionId),
    taskQueue: h.taskQueue,
    args: [start],
    typedSearchAttributes: [{ key: searchAttributes.status, value: 'active' }],
  });
  return { start, handle };
}

const end = (id: string, by: string) => h.env.client.workflow.getHandle(workflowIds.session(id)).executeUpdate(endSessionUpdate, { args: [{ requestedBy: by }] });
const extend = (id: string, paymentId: string, minutes: number) =>
  h.env.client.workflow.getHandle(workflowIds.session(id)).executeUpdate(extendSessionUpdate, { args: [{ paymentId, minutes }], updateId: `extend:${paymentId}` });

async function refusalOf(p: Promise<unknown>): Promise<{ type?: string; details?: unknown }> {
  try {
    await p;
  } catch (e) {
    const cause = (e as WorkflowUpdateFailedError).cause as { type?: string; details?: unknown[] };
    return { type: cause?.type, details: cause?.details?.[0] };
  }
  throw new Error('expected a refusal');
}

test('a session expires by itself at expires_at, is finished once, and its cooldown runs before the next start is tried', async () => {
  const { start, handle } = await startSession();
  expect(h.steps.activated.get(start.sessionId)).toBeUndefined(); // (not yet: the worker has not run its first task)
  const outcome = await handle.result();
  expect(outcome).toMatchObject({ status: 'expired', durationUsedSeconds: 300, endedAt: start.expiresAt });
  expect(h.steps.activated.get(start.sessionId)).toEqual(start);
  expect(h.steps.finished.get(start.sessionId)).toMatchObject({ status: 'expired', durationUsedSeconds: 300, cooldownMinutes: 10, startedAt: start.startedAt });
  // The next session is tried once, when the cooldown is over: 10 minutes after the session ended.
  const next = h.steps.nextStarts.filter((n) => n.afterSessionId === start.sessionId);
  expect(next).toHaveLength(1);
  expect(await h.env.currentTimeMs()).toBeGreaterThanOrEqual(Date.parse(start.expiresAt) + 10 * MINUTE);
  expect(h.steps.callsOf(start.sessionId)).toEqual(['activate', 'ending-soon', 'finish', 'next']);
});

test('ending early answers the duration used; ending again (even concurrently) answers the same', async () => {
  const { start, handle } = await startSession({ cooldownMinutes: 10 });
  await h.env.sleep('90 seconds');
  const [a, b] = await Promise.all([end(start.sessionId, start.userId), end(start.sessionId, start.userId)]);
  expect(a).toEqual(b);
  expect(a).toMatchObject({ status: 'ended', durationUsedSeconds: 90 });
  expect(await end(start.sessionId, 'someone-else')).toEqual(a); // (during the cooldown the workflow still answers)
  expect(h.steps.finished.get(start.sessionId)).toMatchObject({ status: 'ended', durationUsedSeconds: 90, endedBy: start.userId });
  expect(h.steps.callsOf(start.sessionId)).toEqual(['activate', 'finish']);
  expect(await handle.result()).toEqual(a);
});

test('with no cooldown, the next session is tried as soon as one is over', async () => {
  const { start, handle } = await startSession({ cooldownMinutes: 0 });
  await end(start.sessionId, start.userId);
  await handle.result();
  expect(h.steps.callsOf(start.sessionId)).toEqual(['activate', 'finish', 'next']);
});

test('an extension moves the deadline once per payment id; the session does not expire at the old time', async () => {
  const { start, handle } = await startSession({ durationMinutes: 45 });
  const first = await extend(start.sessionId, 'pay-1', 15);
  expect(Date.parse(first.expiresAt)).toBe(Date.parse(start.expiresAt) + 15 * MINUTE);
  expect((await extend(start.sessionId, 'pay-1', 15)).expiresAt).toBe(first.expiresAt); // a replayed payment
  await h.env.sleep('50 minutes'); // past the old deadline
  expect((await handle.query(sessionStateQuery)).status).toBe('active');
  const outcome = await handle.result();
  expect(outcome).toMatchObject({ status: 'expired', durationUsedSeconds: 60 * 60, endedAt: first.expiresAt });
  expect(h.steps.extended.filter((e) => e.sessionId === start.sessionId)).toEqual([expect.objectContaining({ paymentId: 'pay-1', addedMinutes: 15, durationMinutes: 60, expiresAt: first.expiresAt })]);
});

test('an extension is recorded before its update answers, so an end right after it can never overtake it', async () => {
  const { start } = await startSession({ durationMinutes: 45, cooldownMinutes: 0 });
  await extend(start.sessionId, 'pay-then-end', 5);
  expect(h.steps.extended.filter((e) => e.sessionId === start.sessionId).map((e) => e.paymentId)).toEqual(['pay-then-end']);
  await end(start.sessionId, start.userId);
  expect(h.steps.callsOf(start.sessionId)).toEqual(['activate', 'extended', 'finish', 'next']);
});

test('participants hear session:ending_soon a minute before each deadline, once per deadline', async () => {
  const { start, handle } = await startSession({ durationMinutes: 5, cooldownMinutes: 0 });
  await h.env.sleep('2 minutes');
  const extended = await extend(start.sessionId, 'pay-soon', 3);
  await handle.result();
  const warnings = h.steps.endingSoon.get(start.sessionId) ?? [];
  expect(warnings.map((w) => w.expiresAt)).toEqual([extended.expiresAt]); // the first deadline moved before its warning
});

test('extending a session that is over is refused as INVALID_TRANSITION', async () => {
  const { start } = await startSession({ cooldownMinutes: 10 });
  await end(start.sessionId, start.userId);
  const refusal = await refusalOf(extend(start.sessionId, 'pay-late', 5));
  expect(refusal).toEqual({ type: 'INVALID_TRANSITION', details: { from: 'ended', to: 'extended' } });
});

test('a start abandoned before its workflow got to it runs nothing: no timer, no finish, no next start', async () => {
  const sessionId = randomUUID();
  h.steps.abandoned.add(sessionId);
  const { handle } = await startSession({ sessionId });
  expect(await handle.result()).toMatchObject({ status: 'cancelled', durationUsedSeconds: 0 });
  expect(h.steps.callsOf(sessionId)).toEqual(['activate']);
});

test('the cooldown holds the next start until it is over, then tries it exactly once', async () => {
  const { start, handle } = await startSession({ cooldownMinutes: 10 });
  await h.env.sleep('1 minute');
  const ended = await end(start.sessionId, start.userId);
  await h.env.sleep('9 minutes');
  expect(h.steps.nextStarts.filter((n) => n.afterSessionId === start.sessionId)).toHaveLength(0);
  await handle.result();
  expect(h.steps.nextStarts.filter((n) => n.afterSessionId === start.sessionId)).toHaveLength(1);
  expect(await h.env.currentTimeMs()).toBeGreaterThanOrEqual(Date.parse(ended.endedAt) + 10 * MINUTE);
});
