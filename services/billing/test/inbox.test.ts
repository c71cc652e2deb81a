import { randomUUID } from 'node:crypto';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { billingMigrations } from '../src/adapters/database';
import { processDue, receive, reprocess } from '../src/payments/inbox';
import type { VerifiedEvent } from '../src/payments/types';
import * as ledger from '../src/use-cases/ledger';
import { refundLateExtension } from '../src/use-cases/late-extensions';
import { withTransaction } from '@hourglass/postgres';
import type { PaymentAction } from '../src/payments/types';

jest.setTimeout(60_000);
let db: ThrowawayDatabase;
const deps = () => ({ pool: db.pool, defaultPlanId: 'standard' });
beforeAll(async () => {
  db = await throwawayDatabase('inbox', billingMigrations);
});
afterAll(() => db?.drop());

const raw = { body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } };
const paid = (userId: string, businessKey = `pi_${randomUUID()}`): VerifiedEvent => ({
  provider: 'stripe',
  eventId: `evt_${randomUUID()}`,
  eventType: 'checkout.session.completed',
  action: { type: 'paid', businessKey, userId, product: { kind: 'session_credits', quantity: 2 }, amountCents: 1198, currency: 'usd' },
});
const statusOf = async (eventId: string) => (await db.pool.query('SELECT status, attempts, last_error FROM payment_events WHERE event_id = $1', [eventId])).rows[0];

test('the same delivery is stored once and applied once', async () => {
  const userId = `u-${randomUUID()}`;
  const event = paid(userId);
  expect(await receive(db.pool, [event], raw)).toEqual({ stored: 1, duplicates: 0 });
  expect(await receive(db.pool, [event], raw)).toEqual({ stored: 0, duplicates: 1 });
  await Promise.all([processDue(deps()), processDue(deps()), processDue(deps())]);
  expect(await statusOf(event.eventId)).toMatchObject({ status: 'processed', attempts: 1 });
  expect((await ledger.creditSummary(deps(), userId)).paid_remaining).toBe(2);
});

test('an event that keeps failing is retried with backoff, then dead with its error — and can be reprocessed', async () => {
  // Zero credits: the grants table's CHECK (quantity > 0) refuses it every time.
  const event: VerifiedEvent = { ...paid(`u-${randomUUID()}`), action: { type: 'paid', businessKey: `pi_${randomUUID()}`, userId: `u-${randomUUID()}`, product: { kind: 'session_credits', quantity: 0 }, amountCents: 1, currency: 'usd' } };
  await receive(db.pool, [event], raw);
  await processDue(deps());
  const failed = await statusOf(event.eventId);
  expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
  expect(failed.last_error).toEqual(expect.any(String));
  // Fast-forward the backoff for the remaining attempts.
  for (let i = 0; i < 7; i++) {
    await db.pool.query('UPDATE payment_events SET next_attempt_at = now() WHERE event_id = $1', [event.eventId]);
    await processDue(deps());
  }
  expect(await statusOf(event.eventId)).toMatchObject({ status: 'dead', attempts: 8 });
  const { id } = (await db.pool.query('SELECT id FROM payment_events WHERE event_id = $1', [event.eventId])).rows[0];
  expect(await reprocess(db.pool, id)).toBe('queued');
  expect(await statusOf(event.eventId)).toMatchObject({ status: 'received', attempts: 0 });
});

test('reprocess of an id the inbox never had is not_found; of a processed one, its status', async () => {
  expect(await reprocess(db.pool, randomUUID())).toBe('not_found');
  const event = paid(`u-${randomUUID()}`);
  await receive(db.pool, [event], raw);
  await processDue(deps());
  const { id } = (await db.pool.query('SELECT id FROM payment_events WHERE event_id = $1', [event.eventId])).rows[0];
  expect(await reprocess(db.pool, id)).toEqual({ status: 'processed' });
});

const deliver = async (provider: 'stripe' | 'paypal' | 'woocommerce', action: PaymentAction) => {
  await receive(db.pool, [{ provider, eventId: `evt_${randomUUID()}`, eventType: 'test', action }], raw);
  while (await processDue(deps())) {
    /* until the inbox is empty */
  }
};
const credits = (userId: string) => ledger.creditSummary(deps(), userId);
const paymentRow = async (provider: string, businessKey: string) => (await db.pool.query('SELECT * FROM payments WHERE provider = $1 AND business_key = $2', [provider, businessKey])).rows[0];

describe('partial refunds take back only what the refunded amount paid for', () => {
  test('Stripe: 599 of 1198 for two credits takes one; the running total to 1198 takes the other; a replay nothing', async () => {
    const userId = `u-${randomUUID()}`;
    const businessKey = `pi_${randomUUID()}`;
    await deliver('stripe', { type: 'paid', businessKey, userId, product: { kind: 'session_credits', quantity: 2 }, amountCents: 1198, currency: 'usd' });
    expect((await credits(userId)).paid_remaining).toBe(2);
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 599, totalRefundedCents: 599 });
    expect((await credits(userId)).paid_remaining).toBe(1);
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 599, totalRefundedCents: 599 });
    expect((await credits(userId)).paid_remaining).toBe(1);
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 1198, totalRefundedCents: 1198 });
    expect((await credits(userId)).paid_remaining).toBe(0);
    expect(await paymentRow('stripe', businessKey)).toMatchObject({ status: 'refunded', refunded_cents: 1198, credits_reversed: 2, flagged: null });
  });

  test('PayPal: a 5.99 refund of an 11.98 capture takes one credit; a second refund (new id) the other', async () => {
    const userId = `u-${randomUUID()}`;
    const capture = `CAP-${randomUUID()}`;
    await deliver('paypal', { type: 'paid', businessKey: capture, userId, product: { kind: 'session_credits', quantity: 2 }, amountCents: 1198, currency: 'usd' });
    await deliver('paypal', { type: 'refunded', businessKey: capture, amountCents: 599, totalRefundedCents: null, refundId: 'REF-1' });
    expect((await credits(userId)).paid_remaining).toBe(1);
    await deliver('paypal', { type: 'refunded', businessKey: capture, amountCents: 599, totalRefundedCents: null, refundId: 'REF-1' });
    expect((await credits(userId)).paid_remaining).toBe(1);
    await deliver('paypal', { type: 'refunded', businessKey: capture, amountCents: 599, totalRefundedCents: null, refundId: 'REF-2' });
    expect((await credits(userId)).paid_remaining).toBe(0);
  });

  test('a refund smaller than one credit takes none; one of a credit already used is flagged, never negative', async () => {
    const userId = `u-${randomUUID()}`;
    const businessKey = `pi_${randomUUID()}`;
    await deliver('stripe', { type: 'paid', businessKey, userId, product: { kind: 'session_credits', quantity: 2 }, amountCents: 1198, currency: 'usd' });
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 100, totalRefundedCents: 100 });
    expect((await credits(userId)).paid_remaining).toBe(2);
    await ledger.revokeCredits(deps(), { userId, kind: 'paid', quantity: 2, reason: 'used up (test)', actor: 'test' });
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 599, totalRefundedCents: 599 });
    expect((await credits(userId)).paid_remaining).toBe(0);
    expect((await paymentRow('stripe', businessKey)).flagged).toMatch(/1 of 2 credits were already used/);
  });

  test('a partial refund that arrives before its payment: only the unrefunded credits are granted', async () => {
    const userId = `u-${randomUUID()}`;
    const businessKey = `pi_${randomUUID()}`;
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 599, totalRefundedCents: 599 });
    await deliver('stripe', { type: 'paid', businessKey, userId, product: { kind: 'session_credits', quantity: 3 }, amountCents: 1797, currency: 'usd' });
    expect((await credits(userId)).paid_remaining).toBe(2);
    await deliver('stripe', { type: 'refunded', businessKey, amountCents: 599, totalRefundedCents: 599 });
    expect((await credits(userId)).paid_remaining).toBe(2);
  });
});

describe('a paid event that cannot be applied is refunded or flagged, never lost', () => {
  test('a Stripe pack payment naming no mentor: a refund request (issued through Stripe), the payment not applied', async () => {
    const businessKey = `pi_${randomUUID()}`;
    const userId = `u-${randomUUID()}`;
    await deliver('stripe', { type: 'paid', businessKey, userId, product: { kind: 'pack', sessions: 4, mentorId: null }, amountCents: 19900, currency: 'usd' });
    const event = (await db.pool.query(`SELECT status, outcome FROM payment_events WHERE business_key = $1`, [businessKey])).rows[0];
    expect(event).toMatchObject({ status: 'processed', outcome: expect.stringMatching(/no mentor.*refund requested/) });
    expect((await db.pool.query(`SELECT status, amount_cents FROM refund_requests WHERE business_key = $1`, [businessKey])).rows[0]).toEqual({ status: 'pending', amount_cents: 19900 });
    const outbox = await db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'billing.pack.paid.v1' AND key = $1`, [userId]);
    expect(outbox.rows[0].n).toBe(0);
  });

  test('a WooCommerce one: flagged for a person, since Hourglass cannot refund through WooCommerce', async () => {
    const businessKey = `${Date.now()}:1:0`;
    await deliver('woocommerce', { type: 'paid', businessKey, userId: `u-${randomUUID()}`, product: { kind: 'pack', sessions: 4, mentorId: null }, amountCents: 19900, currency: 'usd' });
    expect((await db.pool.query(`SELECT status FROM refund_requests WHERE provider = 'woocommerce' AND business_key = $1`, [businessKey])).rows[0]).toEqual({ status: 'manual' });
    expect((await paymentRow('woocommerce', businessKey)).flagged).toMatch(/refund of 19900 usd owed.*no mentor/);
  });
});

describe('an extension paid after its session ended', () => {
  const rejected = (paymentId: string, userId: string) => ({ $typeName: 'hourglass.sessions.v1.ExtensionRejected', paymentId, sessionId: randomUUID(), userId, minutes: 1, reason: 'the session had already ended' }) as never;
  const logger = { warn: () => undefined } as never;

  test('is refunded exactly what was paid, once, with a message to the payer — and grants no credit', async () => {
    const userId = `u-${randomUUID()}`;
    const businessKey = `pi_${randomUUID()}`;
    await deliver('stripe', { type: 'paid', businessKey, userId, product: { kind: 'extension', sessionId: randomUUID(), minutes: 1 }, amountCents: 40, currency: 'usd' });
    const before = await credits(userId);
    const message = rejected(`stripe:${businessKey}`, userId);
    expect(await withTransaction(db.pool, (tx) => refundLateExtension(tx, message, logger))).toBe('refund requested');
    expect(await withTransaction(db.pool, (tx) => refundLateExtension(tx, message, logger))).toBe('refund requested');
    const requests = await db.pool.query(`SELECT status, amount_cents, currency FROM refund_requests WHERE business_key = $1`, [businessKey]);
    expect(requests.rows).toEqual([{ status: 'pending', amount_cents: 40, currency: 'usd' }]);
    expect(await credits(userId)).toEqual(before);
    const notices = await db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'notifications.requested.v1' AND key = $1`, [userId]);
    expect(notices.rows[0].n).toBeGreaterThan(0);
  });

  test('a free (operator) extension has nothing to refund', async () => {
    expect(await withTransaction(db.pool, (tx) => refundLateExtension(tx, rejected(`admin:${randomUUID()}`, 'u'), logger))).toMatch(/nothing to refund/);
  });
});
