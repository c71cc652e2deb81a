import { api, eventually, stack } from '@hourglass/testing';
import { admin } from './admin';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProcess } from './drills/processes';
import { liveSession, person } from './live';
import { openStream } from './sse';
import { checkoutCompleted, sendStripe } from './webhooks';

// Issue 8 / seed 004: a two-party live session whose screens agree, driven by the session's event stream (SSE).
jest.setTimeout(90_000);

let ops: Awaited<ReturnType<typeof admin>>;
beforeAll(async () => {
  ops = await admin();
  await ops.plan('e2e-live-short', { session_minutes: { freemium: 0.05, paid: 45, test: 45, pack: 60 }, cooldown_minutes: 0 });
});


/** Pays for an extension the way Stripe reports it and waits until the session shows the new deadline. */
async function payExtension(customer: { id: string; token: string }, sessionId: string, minutes: number) {
  const before = (await api(stack.sessionsUrl, `/api/sessions/${sessionId}`, { token: customer.token })).body.expires_at as string;
  await sendStripe(checkoutCompleted({ user_id: customer.id, kind: 'extension', session_id: sessionId, minutes: String(minutes) }));
  const expected = new Date(Date.parse(before) + minutes * 60_000).toISOString();
  await eventually(async () => (await api(stack.sessionsUrl, `/api/sessions/${sessionId}`, { token: customer.token })).body.expires_at === expected, { what: `expires_at ${expected}` });
  return expected;
}

async function openStreams(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.sessionsUrl))).text();
  return Number(/^hourglass_session_streams_open\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

test('reconnecting with Last-Event-ID replays exactly the three events missed, in order', async () => {
  const { customer, session } = await liveSession();
  const first = await openStream(session.id, customer.token);
  expect(first.status).toBe(200);
  const [started] = await first.waitFor(1);
  expect(started).toMatchObject({ id: 1, event: 'session:started', data: { session_id: session.id, expires_at: session.expires_at } });
  await first.close();

  const afterFirst = await payExtension(customer, session.id, 10);
  const afterSecond = await payExtension(customer, session.id, 5);
  await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: customer.token });

  const resumed = await openStream(session.id, customer.token, { lastEventId: started!.id });
  const missed = await resumed.waitFor(3);
  await new Promise((r) => setTimeout(r, 300)); // nothing more may follow
  await resumed.close();
  expect(resumed.events.map((e) => [e.id, e.event])).toEqual([[2, 'session:extended'], [3, 'session:extended'], [4, 'session:ended']]);
  expect(missed[0]!.data).toMatchObject({ expires_at: afterFirst, added_minutes: 10 });
  expect(missed[1]!.data).toMatchObject({ expires_at: afterSecond, added_minutes: 5, remaining_seconds: expect.any(Number) });
  expect(missed[2]!.data).toMatchObject({ status: 'ended', duration_used_seconds: expect.any(Number) });
});

test('extend → both participants see the new deadline; one ends → the other is told', async () => {
  const { customer, provider, session } = await liveSession();
  const stranger = await person('x');
  expect((await api(stack.sessionsUrl, `/api/sessions/${session.id}/events`, { token: stranger.token })).status).toBe(404);

  const customerStream = await openStream(session.id, customer.token);
  const providerStream = await openStream(session.id, provider.token);
  await Promise.all([customerStream.waitFor(1), providerStream.waitFor(1)]);

  const newDeadline = await payExtension(customer, session.id, 15);
  for (const stream of [customerStream, providerStream]) {
    const [, extended] = await stream.waitFor(2);
    expect(extended).toMatchObject({ event: 'session:extended', data: { expires_at: newDeadline } });
    expect(extended!.data.remaining_seconds).toBeGreaterThan(15 * 60);
  }

  const ended = await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: provider.token });
  expect(ended.status).toBe(200);
  const [, , end] = await customerStream.waitFor(3);
  expect(end).toMatchObject({ event: 'session:ended', data: { status: 'ended' } });
  await Promise.all([customerStream.close(), providerStream.close()]);
});

test('one stream per participant, however many events it carries', async () => {
  const { customer, provider, session } = await liveSession();
  const baseline = await openStreams();
  const streams = [await openStream(session.id, customer.token), await openStream(session.id, provider.token)];
  await eventually(async () => (await openStreams()) === baseline + 2, { what: 'two open streams' });
  for (const minutes of [1, 2, 3, 4, 5]) await payExtension(customer, session.id, minutes);
  for (const s of streams) expect((await s.waitFor(6)).map((e) => e.event)).toEqual(['session:started', ...Array(5).fill('session:extended')]);
  expect(await openStreams()).toBe(baseline + 2);
  await Promise.all(streams.map((s) => s.close()));
  await eventually(async () => (await openStreams()) === baseline, { what: 'the streams to be released' });
});

test('the timer ends the session by itself and the stream says so', async () => {
  const customer = await person('timer');
  await ops.assignPlan(customer.id, 'e2e-live-short');
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: customer.token, body: { mode: 'live' } });
  expect(res.body.session.session_type).toBe('freemium');
  expect(Date.parse(res.body.session.expires_at) - Date.parse(res.body.session.started_at)).toBe(3000);
  const stream = await openStream(res.body.session.id, customer.token);
  const [, endingSoon, expired] = await stream.waitFor(3);
  await stream.close();
  // A 3-second session is within its last minute from the start: ending_soon comes at once, then the timer ends it.
  expect(endingSoon).toMatchObject({ event: 'session:ending_soon', data: { expires_at: res.body.session.expires_at } });
  expect(expired).toMatchObject({ event: 'session:expired', data: { status: 'expired' } });
  expect((await api(stack.sessionsUrl, `/api/sessions/${res.body.session.id}`, { token: customer.token })).body.status).toBe('expired');
});

test('a failed extension payment changes nothing', async () => {
  const { customer, session } = await liveSession();
  const failed = checkoutCompleted({ user_id: customer.id, kind: 'extension', session_id: session.id, minutes: '15' });
  failed.data.object.payment_status = 'unpaid';
  expect((await sendStripe(failed)).status).toBe(200);
  const stream = await openStream(session.id, customer.token);
  await stream.waitFor(1);
  await new Promise((r) => setTimeout(r, 1500)); // give a wrong extension every chance to arrive
  await stream.close();
  expect(stream.events.map((e) => e.event)).toEqual(['session:started']);
  expect((await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token: customer.token })).body.expires_at).toBe(session.expires_at);
});

test('a subscriber on another sessions replica hears every event (LISTEN/NOTIFY fan-out)', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(p));
    });
  });
  const replica = await startProcess('sessions-2', 'services/sessions/src/main.ts', {
    SERVICE_NAME: 'sessions',
    NODE_ENV: 'test',
    PORT: String(port),
    LOG_LEVEL: 'info',
    DATABASE_URL: stack.sessionsDatabaseUrl,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    JWT_SECRET: stack.jwtSecret,
    BILLING_URL: stack.billingUrl,
    FILES_DIR: mkdtempSync(path.join(os.tmpdir(), 'hourglass-replica-files-')),
  }, 'sessions API listening');
  try {
    const { customer, provider, session } = await liveSession();
    const onReplica2 = await openStream(session.id, provider.token, { baseUrl: `http://127.0.0.1:${port}` });
    await onReplica2.waitFor(1);
    await payExtension(customer, session.id, 5); // applied by whichever replica's consumer gets it
    await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: customer.token }); // replica 1
    const events = await onReplica2.waitFor(3);
    await onReplica2.close();
    expect(events.map((e) => e.event)).toEqual(['session:started', 'session:extended', 'session:ended']);
  } finally {
    await replica.kill('SIGTERM');
  }
});
