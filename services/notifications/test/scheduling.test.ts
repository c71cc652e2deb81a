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
