import { randomUUID } from 'node:crypto';
import {
  cancelPackSessionUpdate,
  completePackSessionUpdate,
  packStateQuery,
  renewPackUpdate,
  schedulePackSessionUpdate,
  workflowIds,
  type PackState,
} from '../src';
import { startHarness, type Harness } from './helpers';

// Seed 001's testing checklist, on the time-skipping server: 72 hours pass in milliseconds.
jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

async function newPack(totalSessions = 4) {
  const packId = randomUUID();
  const handle = await h.env.client.workflow.start('sessionPackWorkflow', {
    workflowId: workflowIds.pack(packId),
    taskQueue: h.taskQueue,
    args: [{ packId, studentId: `student-${packId}`, mentorId: 'mentor-1', totalSessions, graceHours: 72, finalWarningHours: 12 }],
  });
  const complete = (sessionId: string) => handle.executeUpdate(completePackSessionUpdate, { args: [{ sessionId }] });
  const schedule = (sessionId: string) => handle.executeUpdate(schedulePackSessionUpdate, { args: [{ sessionId }] });
  const state = () => handle.query(packStateQuery) as Promise<PackState>;
  return { packId, handle, complete, schedule, state };
}

test('each completion decrements once; the pack is depleted at zero and its seat goes into grace', async () => {
  const p = await newPack();
  expect((await p.complete('s1')).remainingSessions).toBe(3);
  expect((await p.complete('s2')).remainingSessions).toBe(2);
  expect((await p.complete('s3')).remainingSessions).toBe(1);
  const last = await p.complete('s4');
  expect(last).toMatchObject({ remainingSessions: 0, completed: ['s1', 's2', 's3', 's4'] });
  const after = await p.state();
  expect(after).toMatchObject({ status: 'grace', seatStatus: 'grace', graceEndsAt: expect.any(String) });
  expect(h.packs.eventsOf(p.packId)).toEqual(['created', 'completed_session', 'completed_session', 'completed_session', 'completed_session', 'depleted', 'grace_started']);
});

test('the same completion twice, or concurrently, decrements once', async () => {
  const p = await newPack();
  const results = await Promise.all([p.complete('dup'), p.complete('dup'), p.complete('dup')]);
  expect(results.map((r) => r.remainingSessions)).toEqual([3, 3, 3]);
  await p.complete('dup');
  expect((await p.state()).remainingSessions).toBe(3);
});

test('reminders after session 3 and session 4 — each once; final warning 12 h before grace ends; seat released at 72 h', async () => {
  const p = await newPack();
  for (const s of ['a', 'b', 'c']) await p.complete(s);
  expect(h.packs.noticesOf(p.packId)).toEqual(['pack_one_session_left']);
  await p.complete('d');
  await p.complete('d');
  expect(h.packs.noticesOf(p.packId)).toEqual(['pack_one_session_left', 'pack_complete_renew']);

  await h.env.sleep('59 hours');
  expect(h.packs.noticesOf(p.packId)).not.toContain('pack_seat_final_warning');
  await h.env.sleep('2 hours'); // 61 h: the warning went out at 60 h
  expect(h.packs.noticesOf(p.packId)).toContain('pack_seat_final_warning');
  expect((await p.state()).seatStatus).toBe('grace');

  const final = await p.handle.result();
  expect(final).toMatchObject({ status: 'released', seatStatus: 'released' });
  // Released when the grace ended (server time, which the test server skips forward), not before.
  const closedAt = (await p.handle.describe()).closeTime!.getTime();
  expect(closedAt).toBeGreaterThanOrEqual(Date.parse(final.graceEndsAt!));
  expect(Date.parse(final.graceEndsAt!) - (await p.handle.describe()).startTime.getTime()).toBeGreaterThanOrEqual(72 * 3_600_000);
  expect(h.packs.eventsOf(p.packId)).toContain('seat_released');
});

test('renewal during grace keeps the seat and sends no final warning', async () => {
  const p = await newPack(2);
  await p.complete('x1');
  await p.complete('x2');
  await h.env.sleep('10 hours');
  const renewed = await p.handle.executeUpdate(renewPackUpdate, { args: [{ newPackId: 'pack-next' }] });
  expect(renewed).toMatchObject({ status: 'renewed', seatStatus: 'held', renewedBy: 'pack-next' });
  const final = await p.handle.result();
  expect(final.seatStatus).toBe('held');
  expect(h.packs.noticesOf(p.packId)).not.toContain('pack_seat_final_warning');
  expect(h.packs.eventsOf(p.packId)).not.toContain('seat_released');
});

test('a scheduled session holds the seat past the grace; released when it completes', async () => {
  const p = await newPack(2);
  await p.schedule('later'); // scheduled while sessions remain
  await p.complete('y1');
  // The pack is used up by a session that was never scheduled: 'later' is still on the calendar.
  await p.complete('y2');
  await h.env.sleep('80 hours');
  expect(await p.state()).toMatchObject({ status: 'grace', seatStatus: 'grace', scheduled: ['later'] });
  await p.complete('later');
  const final = await p.handle.result();
  expect(final).toMatchObject({ status: 'released', seatStatus: 'released', scheduled: [] });
});

test('cancelling the last scheduled session after the grace releases the seat', async () => {
  const p = await newPack(1);
  await p.schedule('z-scheduled');
  await p.complete('z1');
  await h.env.sleep('73 hours');
  expect((await p.state()).seatStatus).toBe('grace');
  await p.handle.executeUpdate(cancelPackSessionUpdate, { args: [{ sessionId: 'z-scheduled' }] });
  expect((await p.handle.result()).seatStatus).toBe('released');
});

test('scheduling is refused once every remaining session is on the calendar', async () => {
  const p = await newPack(1);
  await p.schedule('one');
  await expect(p.schedule('two')).rejects.toThrow();
  expect((await p.state()).scheduled).toEqual(['one']);
});
