import { randomUUID } from 'node:crypto';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { admin } from './admin';
import { chargeRefunded, checkoutCompleted, sendStripe } from './webhooks';

// Issue 5 with Stripe: each payment has exactly one effect however often and in whatever order it arrives; a bad
// or forged request changes nothing. Stripe's API is stripe-mock; webhooks are signed with the official library.
jest.setTimeout(90_000);

type Admin = Awaited<ReturnType<typeof admin>>;
let ops: Admin;
beforeAll(async () => {
  ops = await admin();
  await ops.plan('e2e-pps-short', { mode: 'pay_per_session', signup_free_credits: 1, cooldown_minutes: 0.05 });
});

async function user() {
  const id = uniqueId('pay');
  const token = await tokenFor(id);
  const credits = async () => (await api(stack.billingUrl, '/api/users/credits', { token })).body;
  await credits(); // first sight: 3 free credits
  return { id, token, credits };
}
const paidCredits = (metadata: { user_id: string }, quantity = 1) => ({ ...metadata, kind: 'session_credits', quantity: String(quantity) });
/** Waits until the inbox has applied everything it received (no received/failed events left). */
async function settled() {
  const token = await tokenFor('e2e-admin', 'admin');
  await eventually(async () => {
    const [received, failed] = await Promise.all(['received', 'failed'].map((status) => api(stack.billingUrl, `/admin/payments/events?status=${status}`, { token })));
    return received!.body.items.length === 0 && failed!.body.items.length === 0;
  }, { what: 'the payment inbox to settle' });
}

test('checkout creates a Stripe Checkout Session; the same Idempotency-Key gives the same one', async () => {
  const u = await user();
  const headers = { 'idempotency-key': randomUUID() };
  const a = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 2 }, headers });
  expect(a.status).toBe(201);
  expect(a.body).toMatchObject({ checkout_session_id: expect.stringMatching(/^cs_/), amount_cents: 1198 });
  const b = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 2 }, headers });
  expect(b.body.checkout_session_id).toBe(a.body.checkout_session_id);
  const bad = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: u.token, body: { kind: 'extension', minutes: 15 } });
  expect(bad.status).toBe(422);
  // The same key with another body is not a new checkout (599 → 29,950 cents): 409, and the first one stands.
  const reused = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 50 }, headers });
  expect(reused).toMatchObject({ status: 409, body: { error: 'IDEMPOTENCY_KEY_REUSED', checkout_session_id: a.body.checkout_session_id } });
  // Another user's same key is their own.
  const other = await user();
  expect((await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: other.token, body: { kind: 'session_credits', quantity: 50 }, headers })).status).toBe(201);
});

test('extensions and packs are not sold by billing to users directly: the sessions service checks session and seat first', async () => {
  const owner = await user();
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: owner.token, body: { mode: 'live' } });
  const sessionId = started.body.session.id;
  const intruder = await user();
  // Paying for someone else's session, or for a session that does not exist, through billing: refused.
  for (const session_id of [sessionId, randomUUID()]) {
    const direct = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: intruder.token, body: { kind: 'extension', session_id, minutes: 5 } });
    expect(direct).toMatchObject({ status: 403, body: { error: 'FORBIDDEN', use: 'POST /api/sessions/{id}/extend' } });
    // …and through sessions: 404, as for any session that is not yours.
    expect((await api(stack.sessionsUrl, `/api/sessions/${session_id}/extend`, { method: 'POST', token: intruder.token, body: { minutes: 5 } })).status).toBe(404);
  }
  const pack = await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: intruder.token, body: { kind: 'pack', mentor_id: 'any-mentor', sessions: 4 } });
  expect(pack).toMatchObject({ status: 403, body: { use: 'POST /api/packs/checkout' } });
  // The sessions service itself must name the mentor of a pack and the user it buys for.
  const service = await tokenFor('sessions', 'service');
  expect((await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: service, body: { kind: 'pack', sessions: 4, user_id: intruder.id } })).status).toBe(422);
  expect((await api(stack.billingUrl, '/api/checkout', { method: 'POST', token: service, body: { kind: 'pack', sessions: 4, mentor_id: 'm-1' } })).status).toBe(422);
  const session = await api(stack.sessionsUrl, `/api/sessions/${sessionId}`, { token: owner.token });
  expect(session.body.expires_at).toBe(started.body.session.expires_at);
});

test('a paid checkout grants once; the same event ×10 and a new event for the same payment change nothing', async () => {
  const u = await user();
  const event = checkoutCompleted(paidCredits({ user_id: u.id }, 2));
  const answers = await Promise.all(Array.from({ length: 10 }, () => sendStripe(event)));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  expect(answers.filter((a) => a.body.stored === 1)).toHaveLength(1);
  await sendStripe({ ...event, id: `evt_${randomUUID()}` }); // Stripe's retry with a new id, same payment intent
  await settled();
  expect(await u.credits()).toMatchObject({ free_remaining: 3, paid_remaining: 2 });
});

test('refund before completion (out of order) → nothing granted in the end', async () => {
  const u = await user();
  const completed = checkoutCompleted(paidCredits({ user_id: u.id }));
  const paymentIntent = completed.data.object.payment_intent;
  expect((await sendStripe(chargeRefunded(paymentIntent))).status).toBe(200);
  await settled();
  expect((await sendStripe(completed)).status).toBe(200);
  await settled();
  expect(await u.credits()).toMatchObject({ paid_remaining: 0 });
});

test('refund of an unredeemed credit removes it; of a redeemed one it is flagged and never negative', async () => {
  const u = await user();
  const first = checkoutCompleted(paidCredits({ user_id: u.id }));
  await sendStripe(first);
  await settled();
  expect((await u.credits()).paid_remaining).toBe(1);
  await sendStripe(chargeRefunded(first.data.object.payment_intent));
  await settled();
  expect((await u.credits()).paid_remaining).toBe(0);

  const v = await user();
  await ops.revoke(v.id, 'free', 3);
  const second = checkoutCompleted(paidCredits({ user_id: v.id }));
  await sendStripe(second);
  await settled();
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: v.token, body: { mode: 'intake' } });
  expect(started.body.session.session_type).toBe('paid');
  await sendStripe(chargeRefunded(second.data.object.payment_intent));
  await settled();
  expect(await v.credits()).toMatchObject({ paid_remaining: 0, total_available: 0 });
  const flagged = await api(stack.billingUrl, '/admin/payments/flagged', { token: await tokenFor('ops', 'admin') });
  expect(flagged.body.items.find((p: { business_key: string }) => p.business_key === second.data.object.payment_intent)).toMatchObject({ flagged: expect.stringMatching(/already used/) });
});

test('forged, stale, unsigned or malformed webhooks → 400/401 and no effect', async () => {
  const u = await user();
  const event = checkoutCompleted(paidCredits({ user_id: u.id }));
  expect((await sendStripe(event, { secret: 'whsec_not_the_secret' })).status).toBe(401);
  expect((await sendStripe(event, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
  expect((await sendStripe(event, { timestamp: Math.floor(Date.now() / 1000) + 3600 })).status).toBe(401);
  expect((await sendStripe(event, { header: null })).status).toBe(400);
  expect((await sendStripe(event, { header: 't=1,v1=deadbeef' })).status).toBe(401);
  const malformed = await api(stack.billingUrl, '/webhooks/stripe', { method: 'POST', body: '{"id": "evt_', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' } });
  expect(malformed.status).toBe(400);
  await settled();
  expect((await u.credits()).paid_remaining).toBe(0);
});

test('correctly signed but malformed payloads are recorded and acknowledged with the reason, never 500', async () => {
  const admin = await tokenFor('ops', 'admin');
  const completion = checkoutCompleted(paidCredits({ user_id: 'someone' }));
  const bodies = [{}, [], { ...completion, data: undefined }, { ...completion, id: `evt_${randomUUID()}`, data: { object: null } }];
  for (const body of bodies) {
    const res = await sendStripe(body);
    expect(res).toMatchObject({ status: 200, body: { received: true, unprocessable: [{ event_id: expect.any(String), reason: expect.any(String) }] } });
    const recorded = await api(stack.billingUrl, `/admin/payments/events?event_id=${encodeURIComponent(res.body.unprocessable[0].event_id)}`, { token: admin });
    expect(recorded.body.items).toEqual([expect.objectContaining({ status: 'unprocessable', outcome: expect.any(String) })]);
    // Redelivered (Stripe retries until it hears 2xx): acknowledged again, stored once.
    expect((await sendStripe(body)).body).toMatchObject({ stored: 0, duplicates: 1 });
  }
});

test('reprocess of an event id the inbox never had → 404', async () => {
  const res = await api(stack.billingUrl, `/admin/payments/events/${randomUUID()}/reprocess`, { method: 'POST', token: await tokenFor('ops', 'admin') });
  expect(res).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
});

test('a partial Stripe refund removes only the credits the refunded amount paid for', async () => {
  const u = await user();
  const paid = checkoutCompleted(paidCredits({ user_id: u.id }, 2), { amount: 1198 });
  await sendStripe(paid);
  await settled();
  expect((await u.credits()).paid_remaining).toBe(2);
  await sendStripe(chargeRefunded(paid.data.object.payment_intent, { amount: 599, charged: 1198 }));
  await settled();
  expect((await u.credits()).paid_remaining).toBe(1);
  await sendStripe(chargeRefunded(paid.data.object.payment_intent, { amount: 1198, charged: 1198 }));
  await settled();
  expect((await u.credits()).paid_remaining).toBe(0);
});

test('the payment inbox can be searched by event id, business key and user, page by page', async () => {
  const admin = await tokenFor('ops', 'admin');
  const u = await user();
  const events = Array.from({ length: 3 }, () => checkoutCompleted(paidCredits({ user_id: u.id })));
  for (const e of events) await sendStripe(e);
  await settled();
  await sendStripe(chargeRefunded(events[0]!.data.object.payment_intent));
  await settled();
  const byEvent = await api(stack.billingUrl, `/admin/payments/events?event_id=${events[1]!.id}`, { token: admin });
  expect(byEvent.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([events[1]!.id]);
  const byKey = await api(stack.billingUrl, `/admin/payments/events?business_key=${events[0]!.data.object.payment_intent}`, { token: admin });
  expect(byKey.body.items.map((e: { event_type: string }) => e.event_type)).toEqual(['charge.refunded', 'checkout.session.completed']);
  // The user's events include the refund, found through its payment.
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Array<{ event_id: string; user_id: string }>; next_cursor: string | null } } = await api(stack.billingUrl, `/admin/payments/events?user=${u.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
    expect(page.body.items.every((e) => e.user_id === u.id)).toBe(true);
    pages.push(page.body.items.map((e) => e.event_id));
    cursor = page.body.next_cursor;
  } while (cursor);
  expect(pages.map((p) => p.length)).toEqual([2, 2]);
  expect(new Set(pages.flat()).size).toBe(4);
  expect((await api(stack.billingUrl, '/admin/payments/events?cursor=not-a-cursor', { token: admin })).status).toBe(422);
});

test('an unknown event type is answered 200 and recorded as ignored', async () => {
  const res = await sendStripe({ id: `evt_${randomUUID()}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_1', object: 'customer' } } });
  expect(res.status).toBe(200);
  const ignored = await api(stack.billingUrl, '/admin/payments/events?status=ignored', { token: await tokenFor('ops', 'admin') });
  expect(ignored.body.items.some((e: { event_type: string }) => e.event_type === 'customer.created')).toBe(true);
});

describe('paid extensions (seed 004)', () => {
  async function activeSession() {
    const u = await user();
    const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'live' } });
    expect(res.status).toBe(201);
    return { u, session: res.body.session };
  }

  test('extend → checkout; paid → expires_at moves once, a replayed webhook does not move it again', async () => {
    const { u, session } = await activeSession();
    const checkout = await api(stack.sessionsUrl, `/api/sessions/${session.id}/extend`, { method: 'POST', token: u.token, body: { minutes: 15 } });
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ checkout_session_id: expect.stringMatching(/^cs_/), amount_cents: 600 });
    const stranger = await api(stack.sessionsUrl, `/api/sessions/${session.id}/extend`, { method: 'POST', token: await tokenFor(uniqueId('x')), body: { minutes: 15 } });
    expect(stranger.status).toBe(404);

    const paid = checkoutCompleted({ user_id: u.id, kind: 'extension', session_id: session.id, minutes: '15' });
    await sendStripe(paid);
    const later = new Date(Date.parse(session.expires_at) + 15 * 60_000).toISOString();
    const extended = await eventually(async () => {
      const r = await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token: u.token });
      return r.body.expires_at === later ? r.body : undefined;
    }, { what: 'the extension to show' });
    expect(extended).toMatchObject({ status: 'active', duration_minutes: 20 });

    await Promise.all([sendStripe(paid), sendStripe({ ...paid, id: `evt_${randomUUID()}` })]);
    await settled();
    await new Promise((r) => setTimeout(r, 1000)); // give a wrong second application every chance to show
    expect((await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token: u.token })).body.expires_at).toBe(later);
  });

  test('an extension paid after the session ended is refunded what was paid — never turned into a session credit', async () => {
    const { u, session } = await activeSession();
    const checkout = await api(stack.sessionsUrl, `/api/sessions/${session.id}/extend`, { method: 'POST', token: u.token, body: { minutes: 1 } });
    expect(checkout.body.amount_cents).toBe(40);
    await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: u.token });
    const notActive = await api(stack.sessionsUrl, `/api/sessions/${session.id}/extend`, { method: 'POST', token: u.token, body: { minutes: 15 } });
    expect(notActive).toMatchObject({ status: 409, body: { error: 'INVALID_TRANSITION', from: 'ended' } });
    const before = await u.credits();
    const paid = checkoutCompleted({ user_id: u.id, kind: 'extension', session_id: session.id, minutes: '1' }, { amount: 40 });
    await sendStripe(paid);
    const admin = await tokenFor('ops', 'admin');
    const refund = await eventually(async () => {
      const r = await api(stack.billingUrl, `/admin/payments/refunds?user=${u.id}`, { token: admin });
      return r.body.items.find((i: { status: string }) => i.status === 'issued');
    }, { what: 'the late extension to be refunded through Stripe' });
    expect(refund).toMatchObject({ provider: 'stripe', business_key: paid.data.object.payment_intent, amount_cents: 40, currency: 'usd', provider_refund_id: expect.stringMatching(/^re_/) });
    expect(await u.credits()).toEqual(before);
    // Stripe then confirms the refund it made: expected, so nobody is asked to look at it.
    await sendStripe(chargeRefunded(paid.data.object.payment_intent, { amount: 40 }));
    await settled();
    const flagged = await api(stack.billingUrl, '/admin/payments/flagged', { token: admin });
    expect(flagged.body.items.some((p: { business_key: string }) => p.business_key === paid.data.object.payment_intent)).toBe(false);
    expect(await u.credits()).toEqual(before);
  });
});

describe('seed 002 with real payments', () => {
  test('pay during cooldown (webhook) → the session auto-starts at cooldown end', async () => {
    const u = await user();
    await ops.assignPlan(u.id, 'e2e-pps-short');
    await ops.revoke(u.id, 'free', 2);
    const first = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'chat' } });
    await api(stack.sessionsUrl, `/api/sessions/${first.body.session.id}/end`, { method: 'POST', token: u.token });
    await api(stack.sessionsUrl, '/api/users/me/auto-start', { method: 'POST', token: u.token, body: { enabled: true } });
    await sendStripe(checkoutCompleted(paidCredits({ user_id: u.id })));
    const gate = await eventually(async () => {
      const g = await api(stack.sessionsUrl, '/api/users/me/gate', { token: u.token });
      return g.body.active_session_id && g.body.active_session_id !== first.body.session.id ? g.body : undefined;
    }, { what: 'the auto-start after payment' });
    expect(gate.has_credit).toBe(false);
  });

  test('a webhook racing the cooldown end and a manual start → exactly one session, one credit redeemed', async () => {
    const u = await user();
    await ops.assignPlan(u.id, 'e2e-pps-short');
    await ops.revoke(u.id, 'free', 2);
    const first = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'chat' } });
    const ended = await api(stack.sessionsUrl, `/api/sessions/${first.body.session.id}/end`, { method: 'POST', token: u.token });
    expect(ended.status).toBe(200);
    await api(stack.sessionsUrl, '/api/users/me/auto-start', { method: 'POST', token: u.token, body: { enabled: true } });
    // Land the payment right at the cooldown end (3 s), and start by hand at the same moment, a few times over.
    await new Promise((r) => setTimeout(r, 2800));
    const manual = Array.from({ length: 5 }, (_, i) => new Promise((r) => setTimeout(r, i * 100)).then(() => api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'chat' } })));
    await sendStripe(checkoutCompleted(paidCredits({ user_id: u.id })));
    await Promise.all(manual);
    await eventually(async () => (await api(stack.sessionsUrl, '/api/users/me/gate', { token: u.token })).body.active_session_id !== null, { what: 'a session' });
    await settled();
    const ledger = await ops.ledger(u.id);
    expect(ledger.entries.filter((e: { reason: string }) => e.reason === 'consume')).toHaveLength(2); // the free first one + exactly one paid
    expect((await u.credits()).total_available).toBe(0);
  });
});
