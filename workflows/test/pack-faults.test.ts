import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { completePackSessionUpdate, packStateQuery, renewPackUpdate, schedulePackSessionUpdate, taskQueues, workflowIds, type PackState } from '../src';
import { FakePacks, createTimeSkippingEnv, workflowBundle } from './helpers';

// Issue 6, the rest of the list: a pack's end date (with the scheduled-session rule), a worker gone during the
// whole grace, and renewal after release. Own server and workers per test: a test here kills its worker.
jest.setTimeout(90_000);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

async function worker(packs: FakePacks, taskQueue: string) {
  const w = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: packs.activities(), maxCachedWorkflows: 0 });
  const running = w.run();
  return { stop: async () => { w.shutdown(); await running; } };
}

async function startPack(taskQueue: string, extra: { expiresAt?: string } = {}) {
  const packId = randomUUID();
  const handle = await env.client.workflow.start('sessionPackWorkflow', {
    workflowId: workflowIds.pack(packId),
    taskQueue,
    args: [{ packId, studentId: `student-${packId}`, mentorId: 'mentor-f', totalSessions: 2, graceHours: 72, finalWarningHours: 12, ...extra }],
  });
  return {
    packId,
    handle,
    complete: (sessionId: string) => handle.executeUpdate(completePackSessionUpdate, { args: [{ sessionId }] }),
    schedule: (sessionId: string) => handle.executeUpdate(schedulePackSessionUpdate, { args: [{ sessionId }] }),
    state: () => handle.query(packStateQuery) as Promise<PackState>,
  };
}

test('a pack past its end date expires; its seat is released only after its last scheduled session', async () => {
  const packs = new FakePacks();
  const taskQueue = taskQueues.sessions; // the pack activities are routed to the sessions queue
  const w = await worker(packs, taskQueue);
  try {
    const now = await env.currentTimeMs();
    const p = await startPack(taskQueue, { expiresAt: new Date(now + 30 * 24 * 3_600_000).toISOString() });
    await p.schedule('on-the-calendar');
    await env.sleep('31 days');
    expect(await p.state()).toMatchObject({ status: 'expired', seatStatus: 'held', scheduled: ['on-the-calendar'] });
    await p.complete('on-the-calendar'); // the session that was booked still happens after the end date
    expect(await p.handle.result()).toMatchObject({ status: 'released', seatStatus: 'released' });
    expect(packs.eventsOf(p.packId)).toEqual(['created', 'expired', 'completed_session', 'seat_released']);
  } finally {
    await w.stop();
  }
});

test('a worker killed during the grace → a new one replays the pack; warning at 60 h and release at 72 h, each once', async () => {
  const packs = new FakePacks();
  const taskQueue = taskQueues.sessions; // the pack activities are routed to the sessions queue
  const first = await worker(packs, taskQueue);
  const p = await startPack(taskQueue);
  await p.complete('s1');
  await p.complete('s2');
  const graceEndsAt = (await p.state()).graceEndsAt!;
  await first.stop(); // the only worker dies early in the grace
  // 59 h without any worker (the test server skips time only while no task waits, so the gap ends before a timer).
  await env.sleep('59 hours');
  const second = await worker(packs, taskQueue); // a new process: empty cache, it replays the pack's history
  try {
    await env.sleep('14 hours');
    const final = await p.handle.result();
    expect(final).toMatchObject({ status: 'released', seatStatus: 'released', graceEndsAt });
    expect(packs.eventsOf(p.packId)).toEqual(['created', 'completed_session', 'completed_session', 'depleted', 'grace_started', 'seat_released']);
    expect(packs.noticesOf(p.packId)).toEqual(['pack_one_session_left', 'pack_complete_renew', 'pack_seat_final_warning']);
    // The workflow's own clock: the release is decided at the grace's end, not when a worker came back.
    const history = await p.handle.fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Math.round(Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) / 3600));
    expect(timers).toEqual([60, 12]); // hours: the warning at 60 h into the grace, the release 12 h later
  } finally {
    await second.stop();
  }
});

test('renewing after the seat was released is refused; the student needs a new pack (and a free seat)', async () => {
  const packs = new FakePacks();
  const taskQueue = taskQueues.sessions; // the pack activities are routed to the sessions queue
  const w = await worker(packs, taskQueue);
  try {
    const p = await startPack(taskQueue);
    await p.complete('r1');
    await p.complete('r2');
    await env.sleep('73 hours');
    expect(await p.handle.result()).toMatchObject({ status: 'released' });
    await expect(p.handle.executeUpdate(renewPackUpdate, { args: [{ newPackId: 'too-late' }] })).rejects.toThrow();
  } finally {
    await w.stop();
  }
});

test('a completion sent before any worker ran the pack is applied in its first task (handlers ready before it runs)', async () => {
  const packs = new FakePacks();
  const taskQueue = taskQueues.sessions; // no worker polls it between tests
  const p = await startPack(taskQueue);
  // No worker yet: the update waits on the server and reaches the workflow together with its start.
  const completing = p.complete('early');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const w = await worker(packs, taskQueue);
  try {
    expect(await completing).toMatchObject({ remainingSessions: 1, completed: ['early'] });
    expect(packs.eventsOf(p.packId)).toEqual(['created', 'completed_session']);
  } finally {
    await w.stop();
  }
});
