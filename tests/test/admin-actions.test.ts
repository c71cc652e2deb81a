import { Client, Connection } from '@temporalio/client';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';

// Issue 9: operator actions in the sessions service are audited with the admin's id and a reason, and a free
// extension never turns into money (unlike a late paid extension, whose payment is refunded).
jest.setTimeout(60_000);

async function activeSession() {
  const userId = uniqueId('adm');
  const token = await tokenFor(userId);
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'chat' } });
  expect(res.status).toBe(201);
  return { userId, token, session: res.body.session as { id: string; expires_at: string } };
}

test('a free extension by an admin moves the deadline once and is audited; without a reason it is refused', async () => {
  const { token, session } = await activeSession();
  const adminToken = await tokenFor('ops-li', 'admin');
  const noReason = await api(stack.sessionsUrl, `/admin/sessions/${session.id}/extend`, { method: 'POST', token: adminToken, body: { minutes: 10 } });
  expect(noReason.status).toBe(422);
  const asUser = await api(stack.sessionsUrl, `/admin/sessions/${session.id}/extend`, { method: 'POST', token, body: { minutes: 10, reason: 'I want more' } });
  expect(asUser.status).toBe(403);

  const res = await api(stack.sessionsUrl, `/admin/sessions/${session.id}/extend`, { method: 'POST', token: adminToken, body: { minutes: 10, reason: 'video call dropped for 10 minutes' } });
  expect(res.status).toBe(200);
  expect(res.body.expires_at).toBe(new Date(Date.parse(session.expires_at) + 10 * 60_000).toISOString());
  const audit = await api(stack.sessionsUrl, `/admin/audit?target_type=session&target_id=${session.id}`, { token: adminToken });
  expect(audit.body.items).toEqual([expect.objectContaining({ admin_id: 'ops-li', action: 'session.extend', reason: 'video call dropped for 10 minutes', details: expect.objectContaining({ minutes: 10 }) })]);
});

test('extending an ended session for free is refused and creates no credit', async () => {
  const { userId, token, session } = await activeSession();
  const adminToken = await tokenFor('ops-li', 'admin');
  await api(stack.sessionsUrl, `/admin/sessions/${session.id}/end`, { method: 'POST', token: adminToken, body: { reason: 'user reported abuse' } });
  expect((await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token })).body.status).toBe('ended');
  const res = await api(stack.sessionsUrl, `/admin/sessions/${session.id}/extend`, { method: 'POST', token: adminToken, body: { minutes: 10, reason: 'oops' } });
  expect(res).toMatchObject({ status: 409, body: { error: 'INVALID_TRANSITION', from: 'ended' } });
  await new Promise((r) => setTimeout(r, 1500)); // a wrongly granted credit would arrive through Kafka by now
  const credits = await eventually(async () => (await api(stack.billingUrl, `/api/users/credits?user_id=${userId}`, { token: adminToken })).body);
  expect(credits.paid_remaining).toBe(0);
});

test("the user overview shows the user's sessions (as owner or participant) and gate", async () => {
  const { userId, session } = await activeSession();
  const res = await api(stack.sessionsUrl, `/admin/users/${userId}/overview`, { token: await tokenFor('ops-li', 'admin') });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ user_id: userId, gate: { active_session_id: session.id, can_start: false }, sessions: [expect.objectContaining({ session_id: session.id, status: 'active' })], packs: [] });
});

test('operators can filter workflows by user and status in Temporal (search attributes)', async () => {
  const { userId, token, session } = await activeSession();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  const ids = async (query: string) => {
    const found: string[] = [];
    for await (const w of client.workflow.list({ query })) found.push(w.workflowId);
    return found.sort();
  };
  try {
    const active = await eventually(async () => {
      const r = await ids(`HourglassUserId = '${userId}' AND HourglassStatus = 'active'`);
      return r.length ? r : undefined;
    }, { what: 'the active session to be searchable' });
    expect(active).toEqual([`session/${session.id}`]);
    expect(await ids(`HourglassUserId = '${userId}'`)).toEqual([`session/${session.id}`]);
    await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token });
    await eventually(async () => (await ids(`HourglassUserId = '${userId}' AND HourglassStatus = 'ended'`)).length === 1, { what: 'the status to become ended' });
  } finally {
    await connection.close();
  }
});
