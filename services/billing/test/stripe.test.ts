import Stripe from 'stripe';
import { verifyStripeWebhook } from '../src/payments/providers/stripe';

const stripe = new Stripe('sk_test_unused');
const webhookSecret = 'whsec_test_secret';
const signed = (body: unknown, timestamp?: number) => {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return { raw: Buffer.from(payload), headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, ...(timestamp ? { timestamp } : {}) }) } };
};
const verify = (body: unknown, timestamp?: number) => {
  const { raw, headers } = signed(body, timestamp);
  return verifyStripeWebhook(stripe, raw, headers, { webhookSecret });
};
const status = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return (e as { status?: number }).status ?? 'thrown';
  }
};
const completed = (object: unknown) => ({ id: 'evt_1', object: 'event', type: 'checkout.session.completed', data: { object } });
const now = () => Math.floor(Date.now() / 1000);

test('a signature dated too far ahead is refused like one dated too far back; within tolerance both ways is fine', () => {
  const event = { id: 'evt_t', object: 'event', type: 'customer.created', data: { object: {} } };
  expect(status(() => verify(event, now() + 3600))).toBe(401);
  expect(status(() => verify(event, now() - 3600))).toBe(401);
  expect(status(() => verify(event, now() + 200))).toBe('accepted');
  expect(status(() => verify(event, now() - 200))).toBe('accepted');
});

test('correctly signed but malformed payloads are unprocessable with the reason — never a thrown error (a 500)', () => {
  const cases: unknown[] = [{}, [], 'null', 42, { id: 'evt_2', type: 'checkout.session.completed' }, completed(null), completed('x'), completed({ id: 'cs_1' }), { id: 'evt_3', type: 'charge.refunded', data: { object: { id: 'ch_1' } } }];
  for (const body of cases) {
    const event = verify(body);
    expect(event.action).toEqual({ type: 'unprocessable', reason: expect.any(String) });
    expect(event.eventId).toEqual(expect.any(String));
    expect(event.eventId.length).toBeGreaterThan(0);
  }
  // No id of its own: the id comes from the bytes, so a redelivery is the same event.
  expect(verify({}).eventId).toBe(verify({}).eventId);
  expect(verify({}).eventId).not.toBe(verify([]).eventId);
});

test('a paid checkout that names no user or product is unprocessable (money arrived, nothing to apply it to)', () => {
  const session = { id: 'cs_2', object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_2', amount_total: 599, currency: 'usd' };
  expect(verify(completed({ ...session, metadata: { kind: 'session_credits', quantity: '1' } })).action).toMatchObject({ type: 'unprocessable', reason: expect.stringMatching(/names no user/) });
  expect(verify(completed({ ...session, metadata: { user_id: 'u1', kind: 'pizza' } })).action).toMatchObject({ type: 'unprocessable', reason: expect.stringMatching(/does not say what was bought/) });
  expect(verify(completed({ ...session, metadata: { user_id: 'u1', kind: 'session_credits', quantity: '2' }, customer_details: { email: 'p@example.com' } })).action).toEqual({
    type: 'paid',
    businessKey: 'pi_2',
    userId: 'u1',
    product: { kind: 'session_credits', quantity: 2 },
    amountCents: 599,
    currency: 'usd',
    payerEmail: 'p@example.com',
  });
});

test('charge.refunded: a partial refund carries the running total; a full one says all of it', () => {
  const charge = (extra: object) => ({ id: 'evt_r', object: 'event', type: 'charge.refunded', data: { object: { id: 'ch_1', object: 'charge', payment_intent: 'pi_9', amount: 1198, ...extra } } });
  expect(verify(charge({ amount_refunded: 599, refunded: false })).action).toEqual({ type: 'refunded', businessKey: 'pi_9', amountCents: 599, totalRefundedCents: 599 });
  expect(verify(charge({ amount_refunded: 1198, refunded: true })).action).toEqual({ type: 'refunded', businessKey: 'pi_9', amountCents: null, totalRefundedCents: null });
});
