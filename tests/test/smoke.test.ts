import { Client, Connection } from '@temporalio/client';
import { workflowIds } from '@hourglass/workflows';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { createPool, type Pool } from '@hourglass/postgres';
import { consumeUntil } from './kafka-probe';

// The first real path end to end, observed at every hop:
// HTTP POST /api/sessions → gate + SessionWorkflow in Temporal → session row + outbox event in the sessions DB →
// relay → Kafka topic sessions.session.started.v1 → notifications consumer → its delivery log (admin API).

let temporal: Client;
let connection: Connection;
let sessionsDb: Pool;

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.temporalAddress });
  temporal = new Client({ connection, namespace: stack.temporalNamespace });
  sessionsDb = createPool({ connectionString: stack.sessionsDatabaseUrl, max: 2 });
});
afterAll(async () => {
  await connection?.close();
  await sessionsDb?.end();
});

test('a started session travels HTTP → Temporal → outbox → Kafka → notifications', async () => {
  const userId = uniqueId('smoke');
  const token = await tokenFor(userId);

  // Hop 1: the public API answers 201 with the seed's body.
  const created = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'intake' } });
  expect(created.status).toBe(201);
  const session = created.body.session;
  expect(session).toMatchObject({ mode: 'intake', session_type: 'freemium', duration_minutes: 5, status: 'active' });
  expect(Date.parse(session.expires_at) - Date.parse(session.started_at)).toBe(5 * 60_000);

  // Visible at once (seed 003's persistence bug).
  const read = await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ session_id: session.id, status: 'active', session_type: 'freemium' });
  expect(read.body.remaining_seconds).toBeGreaterThan(280);

  // Hop 2: the durable timelines exist in Temporal.
  const sessionWf = await temporal.workflow.getHandle(workflowIds.session(session.id)).describe();
  expect(sessionWf.status.name).toBe('RUNNING');
  expect(sessionWf.type).toBe('timedSessionWorkflow');

  // Hop 3: the outbox row was written with the session and published by the relay.
  const published = await eventually(async () => {
    const { rows } = await sessionsDb.query(`SELECT event_id, published_at FROM outbox WHERE topic = 'sessions.session.started.v1' AND key = $1`, [session.id]);
    return rows[0]?.published_at ? rows[0] : undefined;
  }, { what: 'the outbox row to be published' });

  // Hop 4: the event is on the Kafka topic, keyed by the session id.
  const event = await consumeUntil('sessions.session.started.v1', (e) => e.key === session.id);
  expect(event.headers['event-id']).toBe(published.event_id);
  expect(event.message).toMatchObject({ sessionId: session.id, userId, sessionType: 'freemium', durationMinutes: 5 });

  // Hop 5: the notifications service consumed it into its delivery log.
  const adminToken = await tokenFor('ops', 'admin');
  const logged = await eventually(async () => {
    const res = await api(stack.notificationsUrl, `/admin/notifications?user=${encodeURIComponent(userId)}`, { token: adminToken });
    return res.status === 200 && res.body.items?.find((n: { source_event_id: string; template_id: string }) => n.source_event_id === published.event_id && n.template_id === 'session_started');
  }, { what: 'the notification to be recorded' });
  expect(logged).toMatchObject({ user_id: userId, template_id: 'session_started' });
});

test('ending the session returns duration_used_seconds and is idempotent', async () => {
  const userId = uniqueId('smoke');
  const token = await tokenFor(userId);
  const created = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'intake' } });
  expect(created.status).toBe(201);
  const id = created.body.session.id;
  const ended = await api(stack.sessionsUrl, `/api/sessions/${id}/end`, { method: 'POST', token });
  expect(ended.status).toBe(200);
  expect(ended.body).toEqual({ session_id: id, status: 'ended', duration_used_seconds: expect.any(Number) });
  const again = await api(stack.sessionsUrl, `/api/sessions/${id}/end`, { method: 'POST', token });
  expect(again.body).toEqual(ended.body);
  expect((await api(stack.sessionsUrl, `/api/sessions/${id}`, { token })).body.status).toBe('ended');
});

test('auth: no token → 401 JSON; another user → 404', async () => {
  const noToken = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', body: { mode: 'intake' } });
  expect(noToken.status).toBe(401);
  expect(noToken.body.error).toBe('UNAUTHENTICATED');

  const owner = await tokenFor(uniqueId('owner'));
  const created = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: owner, body: { mode: 'intake' } });
  const stranger = await tokenFor(uniqueId('stranger'));
  const peek = await api(stack.sessionsUrl, `/api/sessions/${created.body.session.id}`, { token: stranger });
  expect(peek.status).toBe(404);
  const userOnAdmin = await api(stack.notificationsUrl, '/admin/notifications', { token: stranger });
  expect(userOnAdmin.status).toBe(403);
});
