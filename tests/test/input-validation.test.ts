import { api, stack, tokenFor } from '@hourglass/testing';
import { person } from './live';

// Every string a client controls is checked at the edge — a length cap, a charset, no NUL — before anything is taken.
// A NUL in a session's mode used to take a credit, start nothing, and leave the user's gate retrying an insert
// PostgreSQL refuses ("invalid byte sequence 0x00"), so that every later start of the user hung.
jest.setTimeout(60_000);

const credits = async (userId: string) => (await api(stack.billingUrl, `/api/users/credits`, { token: await tokenFor(userId) })).body.total_available as number;

test.each([
  ['a NUL in mode', { mode: 'a\u0000b' }],
  ['a NUL in participant_id', { mode: 'intake', participant_id: 'p\u0000q' }],
  ['a control character in mode', { mode: 'in\u0007take' }],
  ['a mode past 64 characters', { mode: 'm'.repeat(65) }],
  ['a participant id past 128 characters', { mode: 'intake', participant_id: 'p'.repeat(129) }],
  ['an unpaired UTF-16 half in mode', { mode: 'in\ud800take' }],
])('%s → 422 at once, no credit taken, and the next start works', async (_what, body) => {
  const user = await person('nul');
  const before = await credits(user.id);
  const started = Date.now();
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: user.token, body });
  expect(res).toMatchObject({ status: 422, body: { error: 'VALIDATION_FAILED' } });
  expect(Date.now() - started).toBeLessThan(5000);
  expect(await credits(user.id)).toBe(before);
  const next = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: user.token, body: { mode: 'intake' } });
  expect(next.status).toBe(201);
  expect(await credits(user.id)).toBe(before - 1);
});

test('ids and text in paths, queries and bodies of every service are checked the same way (422, never 500)', async () => {
  const adminToken = await tokenFor('ops-validation', 'admin');
  const user = await person('val');
  const cases: Array<[string, string, { method?: string; body?: unknown }]> = [
    [stack.sessionsUrl, '/admin/users/a%00b/overview', {}],
    [stack.sessionsUrl, `/api/sessions/a%00b`, {}],
    [stack.sessionsUrl, '/admin/audit?target_id=a%00b', {}],
    [stack.sessionsUrl, '/admin/packs', { method: 'POST', body: { student_id: 's\u0000', mentor_id: 'm1' } }],
    [stack.sessionsUrl, '/admin/mentors/m%00x', { method: 'PUT', body: { seat_capacity: 1 } }],
    [stack.billingUrl, `/admin/users/${user.id}/credits`, { method: 'POST', body: { kind: 'test', quantity: 1, reason: 'r\u0000' } }],
    [stack.billingUrl, `/admin/users/${user.id}/credits`, { method: 'POST', body: { kind: 'test', quantity: 1, reason: 'ok', reference: 'x'.repeat(201) } }],
    [stack.billingUrl, '/admin/users/a%00b/ledger', {}],
    [stack.billingUrl, '/api/users/credits?user_id=a%00b', {}],
    [stack.billingUrl, '/admin/plans/nul', { method: 'PUT', body: { name: 'a\u0000b', mode: 'standard', max_sessions_per_period: null, max_minutes_per_period: null, session_minutes: { freemium: 5, paid: 45, test: 45, pack: 60 }, cooldown_minutes: 10, max_upload_mb: 10, signup_free_credits: 3 } }],
    [stack.notificationsUrl, '/admin/notifications?user=a%00b', {}],
    [stack.notificationsUrl, '/admin/notifications?template=a%00b', {}],
  ];
  for (const [base, path, init] of cases) {
    const res = await api(base, path, { ...init, token: adminToken });
    expect({ path, status: res.status, error: res.body?.error }).toEqual({ path, status: 422, error: 'VALIDATION_FAILED' });
  }
});
