import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { withTransaction } from '@hourglass/postgres';
import type { HandledEvent } from '@hourglass/kafka';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { notificationsMigrations } from '../src/adapters/database';
import { takeIn } from '../src/use-cases/intake';

// "1 minute left" follows the session's deadline: scheduled at start, moved by an extension, dropped at the end.
let db: ThrowawayDatabase;
beforeAll(async () => {
  db = await throwawayDatabase('scheduling', notificationsMigrations);
});
afterAll(() => db?.drop());

const feed = (topic: string, message: object) => withTransaction(db.pool, (client) => takeIn({ topic, key: '', eventId: randomUUID(), headers: {}, message, client } as unknown as HandledEvent));
const endingSoon = async (sessionId: string) =>
  (await db.pool.query(`SELECT status, not_before, data->>'expires_at' AS expires_at FROM notifications WHERE template_id = 'session_ending_soon' AND data->>'session_id' = $1 ORDER BY created_at`, [sessionId])).rows;

test('scheduled at start for a minute before the deadline; an extension moves it; the end cancels it', async () => {
  const sessionId = randomUUID();
  const userId = `u-${randomUUID()}`;
  const start = Date.now();
  const expires = new Date(start + 45 * 60_000);
  await feed('sessions.session.started.v1', { sessionId, userId, sessionType: 'paid', durationMinutes: 45, startedAt: timestampFromDate(new Date(start)), expiresAt: timestampFromDate(expires) });
  let rows = await endingSoon(sessionId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 'pending', expires_at: expires.toISOString() });
  expect(rows[0].not_before.getTime()).toBe(expires.getTime() - 60_000);

  const later = new Date(expires.getTime() + 15 * 60_000);
  await feed('sessions.session.extended.v1', { sessionId, userId, paymentId: 'pay_1', addedMinutes: 15, expiresAt: timestampFromDate(later), durationMinutes: 60 });
  rows = await endingSoon(sessionId);
  expect(rows.map((r) => [r.status, r.expires_at])).toEqual([
    ['cancelled', expires.toISOString()],
    ['pending', later.toISOString()],
  ]);
  expect(rows[1].not_before.getTime()).toBe(later.getTime() - 60_000);

  await feed('sessions.session.ended.v1', { sessionId, userId, status: 'ended', durationUsedSeconds: 120 });
  expect((await endingSoon(sessionId)).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
});

const requests = async (where: string, value: string) => (await db.pool.query(`SELECT user_id, template_id, dedupe_key, status FROM notifications WHERE ${where} = $1 ORDER BY created_at, user_id`, [value])).rows;

test("a live session's participant hears it started, is ending soon and ended, as the owner does", async () => {
  const sessionId = randomUUID();
  const owner = `u-${randomUUID()}`;
  const participant = `p-${randomUUID()}`;
  const start = Date.now();
  const expires = new Date(start + 10 * 60_000);
  await feed('sessions.session.started.v1', { sessionId, userId: owner, participantId: participant, sessionType: 'paid', durationMinutes: 10, startedAt: timestampFromDate(new Date(start)), expiresAt: timestampFromDate(expires) });
  await feed('sessions.session.ended.v1', { sessionId, userId: owner, status: 'ended', durationUsedSeconds: 75 });
  const rows = await requests(`data->>'session_id'`, sessionId);
  const of = (user: string) => rows.filter((r) => r.user_id === user).map((r) => `${r.template_id} ${r.status}`).sort();
  expect(of(owner)).toEqual(['session_ended pending', 'session_ending_soon cancelled', 'session_started pending']);
  expect(of(participant)).toEqual(['session_ended pending', 'session_ending_soon cancelled', 'session_started pending']);
});

test('payments become messages: credits granted by a payment (with the payer email remembered), payment refunds', async () => {
  const userId = `u-${randomUUID()}`;
  const grantId = randomUUID();
  await feed('billing.credit.granted.v1', { grantId, userId, kind: 'paid', quantity: 2, source: 'payment', sourceRef: 'stripe:pi_1', amountCents: 1198, currency: 'usd', contactEmail: 'payer@example.test' });
  await feed('billing.credit.granted.v1', { grantId: randomUUID(), userId, kind: 'free', quantity: 3, source: 'signup', sourceRef: userId });
  const ledgerEntryId = randomUUID();
  await feed('billing.credit.refunded.v1', { ledgerEntryId, userId, grantId, kind: 'paid', quantity: 1, reason: 'payment refunded', sourceRef: 'stripe:pi_1', refundedCents: 599, currency: 'usd' });
  await feed('billing.credit.refunded.v1', { ledgerEntryId: randomUUID(), userId, grantId, kind: 'paid', quantity: 1, reason: 'the session could not be started', sourceRef: 'sess' });
  expect((await requests('user_id', userId)).map((r) => `${r.template_id} ${r.dedupe_key}`).sort()).toEqual([`payment_received payment_received:${grantId}`, `payment_refunded payment_refunded:${ledgerEntryId}`]);
  expect((await db.pool.query(`SELECT email FROM contacts WHERE user_id = $1`, [userId])).rows).toEqual([{ email: 'payer@example.test' }]);
  const data = (await db.pool.query(`SELECT data FROM notifications WHERE dedupe_key = $1`, [`payment_received:${grantId}`])).rows[0].data;
  expect(data).toMatchObject({ quantity: '2', amount_cents: '1198', currency: 'usd' });
});

test('a payment event older than a day (a new consumer group reading history) is logged, not mailed late', async () => {
  const userId = `u-${randomUUID()}`;
  const grantId = randomUUID();
  const occurredAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
  await withTransaction(db.pool, (client) =>
    takeIn({ topic: 'billing.credit.granted.v1', key: userId, eventId: randomUUID(), headers: { 'occurred-at': occurredAt }, message: { grantId, userId, kind: 'paid', quantity: 1, source: 'payment', sourceRef: 'stripe:pi_old' }, client } as unknown as HandledEvent),
  );
  expect((await db.pool.query(`SELECT status, last_error FROM notifications WHERE dedupe_key = $1`, [`payment_received:${grantId}`])).rows).toEqual([{ status: 'cancelled', last_error: expect.stringMatching(/too old to tell/) }]);
});
