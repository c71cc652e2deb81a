import { randomUUID } from 'node:crypto';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { billingMigrations } from '../src/adapters/database';
import { processDue, receive, reprocess } from '../src/payments/inbox';
import type { VerifiedEvent } from '../src/payments/types';
import * as ledger from '../src/use-cases/ledger';

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
  expect(await reprocess(db.pool, id)).toBe(true);
  expect(await statusOf(event.eventId)).toMatchObject({ status: 'received', attempts: 0 });
});
