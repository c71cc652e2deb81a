import { randomUUID } from 'node:crypto';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { checkoutCompleted, sendStripe } from './webhooks';

// The metrics operators need are on /metrics and move when the system does. Other test files may run at
// the same time, so each check is "moved by at least what this test did".
jest.setTimeout(90_000);

/** Sum of a metric's samples whose labels include `labels`, from a Prometheus text exposition. */
async function metric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(new URL('/metrics', baseUrl))).text();
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      sum += Number(m[3]);
      seen = true;
    }
  }
  if (!seen) return 0;
  return sum;
}

async function exposes(baseUrl: string, name: string): Promise<boolean> {
  return (await (await fetch(new URL('/metrics', baseUrl))).text()).includes(`\n${name}`);
}

test('sessions, credits, webhooks and notifications counters move end to end', async () => {
  // A start is recorded by the sessions API or by its workflow's first step, whichever gets there first.
  const sessionsStarted = async () =>
    (await metric(stack.sessionsUrl, 'hourglass_sessions_started_total', { session_type: 'freemium' })) + (await metric(stack.sessionsWorkerUrl, 'hourglass_sessions_started_total', { session_type: 'freemium' }));
  const read = () =>
    Promise.all([
      sessionsStarted(),
      metric(stack.sessionsWorkerUrl, 'hourglass_sessions_finished_total', { session_type: 'freemium', status: 'ended' }),
      metric(stack.sessionsUrl, 'hourglass_session_start_duration_seconds_count', { outcome: 'started' }),
      metric(stack.billingUrl, 'hourglass_credits_consumed_total', { kind: 'free' }),
      metric(stack.billingUrl, 'hourglass_credits_granted_total', { kind: 'paid', source: 'payment' }),
      metric(stack.billingUrl, 'hourglass_webhooks_total', { provider: 'stripe', outcome: 'stored' }),
      metric(stack.billingUrl, 'hourglass_webhooks_total', { provider: 'stripe', outcome: 'duplicate' }),
      metric(stack.billingUrl, 'hourglass_webhooks_total', { provider: 'stripe', outcome: 'rejected' }),
      metric(stack.notificationsUrl, 'hourglass_notifications_finished_total'),
    ]);
  const before = await read();

  const userId = uniqueId('metrics');
  const token = await tokenFor(userId);
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'chat' } });
  expect(started.status).toBe(201);
  await api(stack.sessionsUrl, `/api/sessions/${started.body.session.id}/end`, { method: 'POST', token });
  const paid = checkoutCompleted({ user_id: userId, kind: 'session_credits', quantity: '2' });
  await sendStripe(paid);
  await sendStripe(paid);
  await sendStripe({ ...paid, id: `evt_${randomUUID()}` }, { secret: 'whsec_forged' });

  const expected = [1, 1, 1, 1, 2, 1, 1, 1, 1];
  const names = ['sessions started', 'sessions ended', 'start latency samples', 'credits consumed', 'credits granted (paid)', 'webhooks stored', 'webhooks duplicate', 'webhooks rejected', 'notifications finished'];
  await eventually(async () => {
    const after = await read();
    const short = names.filter((_, i) => after[i]! - before[i]! < expected[i]!);
    if (short.length) throw new Error(`not moved yet: ${short.join(', ')}`);
    return true;
  }, { what: 'every counter to move', timeoutMs: 30_000 });
});

test('lag gauges are exposed: outbox (per API with an outbox) and consumer lag (per consuming service)', async () => {
  for (const url of [stack.sessionsUrl, stack.billingUrl]) expect(await exposes(url, 'hourglass_outbox_unpublished')).toBe(true);
  for (const url of [stack.sessionsUrl, stack.billingUrl, stack.notificationsUrl]) expect(await exposes(url, 'hourglass_consumer_lag')).toBe(true);
  expect(await exposes(stack.sessionsUrl, 'hourglass_session_streams_open')).toBe(true);
});
