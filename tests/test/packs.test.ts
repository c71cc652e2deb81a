import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';

// Seed 001 through the running stack: seats, once-per-session completion, reminders via notifications, renewal.
// (The 72-hour timers themselves are covered on the time-skipping server in workflows/test/pack.test.ts.)
jest.setTimeout(60_000);

let adminToken: string;
beforeAll(async () => {
  adminToken = await tokenFor('e2e-admin', 'admin');
});
const asAdmin = (method: string, path: string, body?: unknown) => api(stack.sessionsUrl, path, { method, token: adminToken, body });

test('a pack holds a seat; a mentor with no free seat refuses a new student (409 NO_SEAT_AVAILABLE)', async () => {
  const mentor = uniqueId('mentor');
  expect((await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 1 })).status).toBe(200);
  const first = await asAdmin('POST', '/admin/packs', { student_id: uniqueId('student'), mentor_id: mentor });
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ status: 'active', seat_status: 'held', total_sessions: 4, remaining_sessions: 4, completed_sessions: 0, scheduled_sessions: [] });
  const second = await asAdmin('POST', '/admin/packs', { student_id: uniqueId('student'), mentor_id: mentor });
  expect(second).toMatchObject({ status: 409, body: { error: 'NO_SEAT_AVAILABLE', seat_capacity: 1, seats_taken: 1 } });
  const seats = await api(stack.sessionsUrl, `/api/mentors/${mentor}/seats`, { token: await tokenFor(mentor) });
  expect(seats.body).toMatchObject({ seat_capacity: 1, seats_taken: 1 });
});

test('a pack whose end date is already past is refused (422), and takes no seat', async () => {
  const mentor = uniqueId('mentor');
  await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 1 });
  const past = await asAdmin('POST', '/admin/packs', { student_id: uniqueId('student'), mentor_id: mentor, expires_at: new Date(Date.now() - 60_000).toISOString() });
  expect(past).toMatchObject({ status: 422, body: { error: 'VALIDATION_FAILED' } });
  expect((await asAdmin('GET', `/api/mentors/${mentor}/seats`)).body).toMatchObject({ seats_taken: 0 });
});

test('a pack with an end date expires by itself and frees its seat for the next student', async () => {
  const mentor = uniqueId('mentor');
  await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 1 });
  const pack = await asAdmin('POST', '/admin/packs', { student_id: uniqueId('student'), mentor_id: mentor, expires_at: new Date(Date.now() + 3000).toISOString() });
  expect(pack.status).toBe(201);
  const expired = await eventually(async () => {
    const r = await asAdmin('GET', `/api/packs/${pack.body.id}`);
    return r.body.seat_status === 'released' ? r.body : undefined;
  }, { what: 'the pack to expire and release its seat' });
  expect(expired).toMatchObject({ status: 'released', seat_status: 'released' });
  expect((await asAdmin('POST', '/admin/packs', { student_id: uniqueId('student'), mentor_id: mentor })).status).toBe(201);
});

test('four completions (one repeated) deplete the pack, start the grace, and send each reminder once', async () => {
  const mentor = uniqueId('mentor');
  const student = uniqueId('student');
  const pack = (await asAdmin('POST', '/admin/packs', { student_id: student, mentor_id: mentor })).body;
  const mentorToken = await tokenFor(mentor);
  const studentToken = await tokenFor(student);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const s = await api(stack.sessionsUrl, `/api/packs/${pack.id}/sessions`, { method: 'POST', token: studentToken, body: { scheduled_at: new Date(Date.now() + (i + 1) * 86400000).toISOString() } });
    expect(s.status).toBe(201);
    ids.push(s.body.id);
  }
  // A fifth has no session of the pack left to take: 402 like any start without credit, and documented as such.
  const fifth = await api(stack.sessionsUrl, `/api/packs/${pack.id}/sessions`, { method: 'POST', token: studentToken, body: { scheduled_at: new Date(Date.now() + 5 * 86400000).toISOString() } });
  expect(fifth).toMatchObject({ status: 402, body: { error: 'NO_CREDITS', remaining_sessions: 4, scheduled: 4 } });
  const doc = (await api<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>(stack.sessionsUrl, '/openapi.json')).body;
  expect(Object.keys(doc.paths['/api/packs/{id}/sessions']!.post!.responses)).toContain('402');
  expect((await api(stack.sessionsUrl, `/api/sessions/${ids[0]}/complete`, { method: 'POST', token: studentToken })).status).toBe(403);
  for (const id of [ids[0], ids[1], ids[1], ids[2]]) {
    expect((await api(stack.sessionsUrl, `/api/sessions/${id}/complete`, { method: 'POST', token: mentorToken })).status).toBe(200);
  }
  const three = await api(stack.sessionsUrl, `/api/packs/${pack.id}`, { token: studentToken });
  expect(three.body).toMatchObject({ remaining_sessions: 1, completed_sessions: 3, status: 'active' });
  const last = await api(stack.sessionsUrl, `/api/sessions/${ids[3]}/complete`, { method: 'POST', token: mentorToken });
  expect(last.body.pack).toMatchObject({ remaining_sessions: 0, completed_sessions: 4, status: 'grace', seat_status: 'grace', grace_ends_at: expect.any(String), scheduled_sessions: [] });
  expect(Date.parse(last.body.pack.grace_ends_at) - Date.now()).toBeGreaterThan(71 * 3_600_000);

  const notices = await eventually(async () => {
    const r = await api(stack.notificationsUrl, `/admin/notifications?user=${student}`, { token: adminToken });
    const templates = r.body.items.map((n: { template_id: string }) => n.template_id).sort();
    return templates.length >= 2 ? templates : undefined;
  }, { what: 'the pack reminders' });
  expect(notices).toEqual(['pack_complete_renew', 'pack_one_session_left']);
  expect((await api(stack.sessionsUrl, `/api/users/me/packs`, { token: studentToken })).body.packs[0].id).toBe(pack.id);
  expect((await api(stack.sessionsUrl, `/api/packs/${pack.id}`, { token: await tokenFor(uniqueId('other')) })).status).toBe(404);
});

test('renewing during grace keeps the seat: the new pack takes it over, no seat is needed', async () => {
  const mentor = uniqueId('mentor');
  const student = uniqueId('student');
  await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 1 });
  const old = (await asAdmin('POST', '/admin/packs', { student_id: student, mentor_id: mentor, sessions: 1 })).body;
  const s = await api(stack.sessionsUrl, `/api/packs/${old.id}/sessions`, { method: 'POST', token: await tokenFor(student), body: { scheduled_at: new Date().toISOString() } });
  await api(stack.sessionsUrl, `/api/sessions/${s.body.id}/complete`, { method: 'POST', token: await tokenFor(mentor) });
  const renewal = await asAdmin('POST', '/admin/packs', { student_id: student, mentor_id: mentor, sessions: 4 });
  expect(renewal.status).toBe(201);
  const previous = await eventually(async () => {
    const r = await asAdmin('GET', `/api/packs/${old.id}`);
    return r.body.status === 'renewed' ? r.body : undefined;
  }, { what: 'the old pack to be renewed' });
  // The old pack shows where its seat went, and no grace of its own any more.
  expect(previous).toMatchObject({ seat_status: 'moved', seat_moved_to: renewal.body.id, renewed_by: renewal.body.id, grace_ends_at: null });
  expect(renewal.body).toMatchObject({ seat_status: 'held', seat_moved_to: null });
  const seats = await asAdmin('GET', `/api/mentors/${mentor}/seats`);
  expect(seats.body).toMatchObject({ seats_taken: 1, seats: [{ pack_id: renewal.body.id }] });
});

describe('buying a pack', () => {
  test('no free seat → refused before payment; a free seat → checkout; the paid webhook creates the pack once', async () => {
    const { checkoutCompleted, sendStripe } = await import('./webhooks');
    const full = uniqueId('mentor');
    await asAdmin('PUT', `/admin/mentors/${full}`, { seat_capacity: 0 });
    const student = uniqueId('student');
    const studentToken = await tokenFor(student);
    const refused = await api(stack.sessionsUrl, '/api/packs/checkout', { method: 'POST', token: studentToken, body: { mentor_id: full } });
    expect(refused).toMatchObject({ status: 409, body: { error: 'NO_SEAT_AVAILABLE' } });

    const mentor = uniqueId('mentor');
    await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 2 });
    const checkout = await api(stack.sessionsUrl, '/api/packs/checkout', { method: 'POST', token: studentToken, body: { mentor_id: mentor } });
    expect(checkout).toMatchObject({ status: 201, body: { checkout_session_id: expect.stringMatching(/^cs_/) } });

    const paid = checkoutCompleted({ user_id: student, kind: 'pack', sessions: '4', mentor_id: mentor }, { amount: 19900 });
    await Promise.all([sendStripe(paid), sendStripe(paid)]);
    const mine = await eventually(async () => {
      const r = await api(stack.sessionsUrl, '/api/users/me/packs', { token: studentToken });
      return r.body.packs.length ? r.body.packs : undefined;
    }, { what: 'the paid pack' });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ mentor_id: mentor, total_sessions: 4, status: 'active', seat_status: 'held' });
    await sendStripe({ ...paid, id: `evt_${Date.now()}` });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api(stack.sessionsUrl, '/api/users/me/packs', { token: studentToken })).body.packs).toHaveLength(1);
  });
});

test('dates outside a sane window are a 422 at once, with nothing created: a pack ending in 1970 or 9999, a session scheduled in 1970 or 9999, a grant expiring in the past', async () => {
  const mentor = uniqueId('mentor');
  const student = uniqueId('student');
  await asAdmin('PUT', `/admin/mentors/${mentor}`, { seat_capacity: 5 });
  for (const expires_at of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59-14:00', new Date(Date.now() - 60_000).toISOString()]) {
    const started = Date.now();
    const res = await asAdmin('POST', '/admin/packs', { student_id: student, mentor_id: mentor, expires_at });
    expect({ expires_at, status: res.status, error: res.body?.error }).toEqual({ expires_at, status: 422, error: 'VALIDATION_FAILED' });
    expect(Date.now() - started).toBeLessThan(5000);
  }
  expect((await api(stack.sessionsUrl, `/api/mentors/${mentor}/seats`, { token: await tokenFor(mentor) })).body).toMatchObject({ seats_taken: 0 });

  const pack = await asAdmin('POST', '/admin/packs', { student_id: student, mentor_id: mentor, expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  expect(pack.status).toBe(201);
  for (const scheduled_at of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
    const res = await api(stack.sessionsUrl, `/api/packs/${pack.body.id}/sessions`, { method: 'POST', token: await tokenFor(student), body: { scheduled_at } });
    expect({ scheduled_at, status: res.status }).toEqual({ scheduled_at, status: 422 });
  }
  const grant = await api(stack.billingUrl, `/admin/users/${student}/credits`, { method: 'POST', token: adminToken, body: { kind: 'test', quantity: 1, reason: 'e2e', expires_at: '1970-01-01T00:00:00Z' } });
  expect(grant).toMatchObject({ status: 422, body: { error: 'VALIDATION_FAILED' } });
});
