import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { withTransaction } from '@hourglass/postgres';
import { notificationsMigrations } from '../src/adapters/database';
import { storeRequest } from '../src/adapters/notification-repository';
import { createEmailChannel, type EmailChannel } from '../src/channels/email';
import { dispatchDue } from '../src/use-cases/dispatch';

// Delivery against real peers: a Discord-compatible HTTP receiver and a real SMTP server (npm smtp-server).
jest.setTimeout(60_000);

let db: ThrowawayDatabase;
let discord: Server;
let discordUrl: string;
let smtp: SMTPServer;
let email: EmailChannel;
/** Scripted answers per webhook path, then 200. */
const discordScript = new Map<string, Array<{ status: number; body?: object; headers?: Record<string, string> }>>();
const discordPosts: Array<{ path: string; content: string }> = [];
const mails: Array<{ to: string; messageId: string; raw: string }> = [];
/** Per recipient: SMTP reply codes to answer RCPT with, in order (then accept). */
const smtpScript = new Map<string, number[]>();

beforeAll(async () => {
  db = await throwawayDatabase('delivery', notificationsMigrations);
  discord = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const next = discordScript.get(path)?.shift();
      if (next && next.status !== 200) {
        res.writeHead(next.status, { 'content-type': 'application/json', ...(next.headers ?? {}) });
        res.end(JSON.stringify(next.body ?? {}));
        return;
      }
      discordPosts.push({ path, content: JSON.parse(body).content });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((r) => discord.listen(0, '127.0.0.1', r));
  discordUrl = `http://127.0.0.1:${(discord.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, cb) {
      const code = smtpScript.get(address.address)?.shift();
      if (code) {
        const err = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
        err.responseCode = code;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c) => (raw += c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo[0]!.address, messageId: /Message-ID: (.+)/i.exec(raw)?.[1]?.trim() ?? '', raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  email = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, from: 'Hourglass <no-reply@hourglass.test>' });
});
afterAll(async () => {
  email?.close();
  await new Promise<void>((r) => smtp?.close(() => r()));
  await new Promise<void>((r) => discord?.close(() => r()));
  await db?.drop();
});

const deps = () => ({ pool: db.pool, email, discord: { allowLocal: true }, maxAttempts: 5 });

async function userWith(prefs: { email?: string; discord?: string | null; channels?: object }) {
  const userId = `u-${randomUUID()}`;
  await db.pool.query(`INSERT INTO preferences (user_id, email, discord_webhook_url, channels) VALUES ($1, $2, $3, $4)`, [userId, prefs.email ?? null, prefs.discord ?? null, prefs.channels ?? {}]);
  return userId;
}
async function request(userId: string, templateId: string, dedupeKey: string = randomUUID(), data: Record<string, string> = {}) {
  return withTransaction(db.pool, (tx) => storeRequest(tx, { userId, templateId, data, dedupeKey, notBefore: null }, { eventId: randomUUID(), topic: 'notifications.requested.v1' }));
}
const stateOf = async (userId: string) => (await db.pool.query(`SELECT id, status, channel, attempts, last_error FROM notifications WHERE user_id = $1`, [userId])).rows;
/** A Discord webhook's path, /api/webhooks/<id>/<token>, unique per test. */
const webhookPath = () => `/api/webhooks/${Date.now()}${Math.floor(Math.random() * 1e6)}/${randomUUID().replaceAll('-', '')}`;

/** Runs the dispatcher until nothing is due, moving retries forward instead of waiting. */
async function drain(rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    await db.pool.query(`UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'`);
    if ((await dispatchDue(deps())) === 0) return;
  }
}

test('a pack reminder requested five times → exactly one Discord post and one email, with the right text', async () => {
  const hook = webhookPath();
  const address = `${randomUUID()}@example.test`;
  const userId = await userWith({ email: address, discord: `${discordUrl}${hook}` });
  const stored = await Promise.all(Array.from({ length: 5 }, () => request(userId, 'pack_one_session_left', `pack:p1:${userId}`)));
  expect(stored.filter(Boolean)).toHaveLength(1);
  // Discord preferred; email as well when the category asks for both.
  await db.pool.query(`UPDATE preferences SET channels = '{"packs":["discord"]}' WHERE user_id = $1`, [userId]);
  await drain();
  expect(discordPosts.filter((p) => p.path === hook)).toEqual([{ path: hook, content: 'You have 1 session remaining. Renew now to continue.' }]);
  expect(await stateOf(userId)).toMatchObject([{ status: 'delivered', channel: 'discord', attempts: 1 }]);

  const emailOnly = await userWith({ email: address, channels: { packs: ['email'] } });
  await request(emailOnly, 'pack_complete_renew', randomUUID(), { grace_hours: '72' });
  await drain();
  const got = mails.filter((m) => m.to === address);
  expect(got).toHaveLength(1);
  expect(got[0]!.raw).toContain('Your pack is complete. Renew within 72 hours to keep your seat.');
});

test('Discord 429 with retry_after → waits, then delivered once', async () => {
  const hook = webhookPath();
  discordScript.set(hook, [{ status: 429, body: { retry_after: 0.05, global: false } }]);
  const userId = await userWith({ discord: `${discordUrl}${hook}` });
  await request(userId, 'session_ending_soon');
  await dispatchDue(deps());
  const [pending] = (await db.pool.query(`SELECT status, next_attempt_at - now() AS wait FROM notifications WHERE user_id = $1`, [userId])).rows;
  expect(pending.status).toBe('pending');
  await new Promise((r) => setTimeout(r, 100));
  await dispatchDue(deps());
  expect(discordPosts.filter((p) => p.path === hook)).toHaveLength(1);
  expect(await stateOf(userId)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
});

test('Discord 404 → the webhook is marked dead and the message falls back to email', async () => {
  const hook = webhookPath();
  discordScript.set(hook, [{ status: 404, body: { message: 'Unknown Webhook', code: 10015 } }]);
  const address = `${randomUUID()}@example.test`;
  const userId = await userWith({ email: address, discord: `${discordUrl}${hook}`, channels: { sessions: ['discord'] } });
  await request(userId, 'session_started', randomUUID(), { duration_minutes: '5', expires_at: '17:23' });
  await drain();
  expect(mails.filter((m) => m.to === address)).toHaveLength(1);
  expect(await stateOf(userId)).toMatchObject([{ status: 'delivered', channel: 'email' }]);
  expect((await db.pool.query(`SELECT discord_dead FROM preferences WHERE user_id = $1`, [userId])).rows[0].discord_dead).toBe(true);
});

test('Discord 500 three times then 200 → delivered once', async () => {
  const hook = webhookPath();
  discordScript.set(hook, [{ status: 500 }, { status: 502 }, { status: 503 }]);
  const userId = await userWith({ discord: `${discordUrl}${hook}` });
  await request(userId, 'session_ended', randomUUID(), { duration_used_seconds: '600' });
  await drain();
  expect(discordPosts.filter((p) => p.path === hook)).toEqual([{ path: hook, content: 'Your session has ended after 10 minutes.' }]);
  expect(await stateOf(userId)).toMatchObject([{ status: 'delivered', attempts: 4 }]);
  const attempts = await db.pool.query(`SELECT status, response_code FROM delivery_attempts WHERE notification_id = $1 ORDER BY id`, [(await stateOf(userId))[0].id]);
  expect(attempts.rows.map((a) => a.response_code)).toEqual(['500', '502', '503', '200']);
});

test('SMTP refusing temporarily → retried and delivered; permanently → dead with the reason', async () => {
  const soon = `${randomUUID()}@example.test`;
  smtpScript.set(soon, [451, 451]);
  const a = await userWith({ email: soon });
  await request(a, 'payment_received', randomUUID(), { quantity: '1' });
  await drain();
  expect(mails.filter((m) => m.to === soon)).toHaveLength(1);
  expect(await stateOf(a)).toMatchObject([{ status: 'delivered', attempts: 3 }]);

  const never = `${randomUUID()}@example.test`;
  smtpScript.set(never, [550]);
  const b = await userWith({ email: never });
  await request(b, 'payment_refunded');
  await drain();
  const [dead] = await stateOf(b);
  expect(dead).toMatchObject({ status: 'dead', channel: 'email' });
  expect(dead.last_error).toMatch(/mailbox unavailable/);
});

test('a dispatcher that crashed after claiming → the message is sent again with the same Message-ID, not lost', async () => {
  const address = `${randomUUID()}@example.test`;
  const userId = await userWith({ email: address });
  await request(userId, 'payment_received');
  // A dispatcher claimed it and died before recording: stale claim.
  await db.pool.query(`UPDATE notifications SET status = 'sending', attempts = 1, claimed_at = now() - interval '5 minutes', message_id = id::text WHERE user_id = $1`, [userId]);
  await drain();
  const [row] = await stateOf(userId);
  expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
  expect(mails.find((m) => m.to === address)!.messageId).toBe(`<${row.id}@hourglass>`);
});

test('both channels chosen → delivered by both; a retry sends only to the one still missing', async () => {
  const hook = webhookPath();
  const address = `${randomUUID()}@example.test`;
  smtpScript.set(address, [451]);
  const userId = await userWith({ email: address, discord: `${discordUrl}${hook}`, channels: { packs: ['discord', 'email'] } });
  await request(userId, 'pack_one_session_left', randomUUID(), { remaining_sessions: '1' });
  await drain();
  expect(discordPosts.filter((p) => p.path === hook)).toHaveLength(1);
  expect(mails.filter((m) => m.to === address)).toHaveLength(1);
  const [row] = await stateOf(userId);
  expect(row).toMatchObject({ status: 'delivered', channel: 'discord,email', attempts: 2 });
});

test('after a dead Discord webhook, later Discord messages go by email until a new webhook is set', async () => {
  const hook = webhookPath();
  discordScript.set(hook, [{ status: 404, body: { message: 'Unknown Webhook', code: 10015 } }]);
  const address = `${randomUUID()}@example.test`;
  const userId = await userWith({ email: address, discord: `${discordUrl}${hook}`, channels: { sessions: ['discord'], packs: ['discord'] } });
  await request(userId, 'session_ended', randomUUID(), { duration_used_seconds: '60' });
  await drain();
  // The next ones never try the dead webhook: straight to email.
  await request(userId, 'pack_one_session_left', randomUUID(), { remaining_sessions: '1' });
  await request(userId, 'session_ended', randomUUID(), { duration_used_seconds: '75' });
  await drain();
  expect(discordPosts.filter((p) => p.path === hook)).toHaveLength(0);
  expect(mails.filter((m) => m.to === address)).toHaveLength(3);
  expect((await stateOf(userId)).map((r) => [r.status, r.channel])).toEqual([['delivered', 'email'], ['delivered', 'email'], ['delivered', 'email']]);
  const attempts = await db.pool.query(`SELECT a.channel FROM delivery_attempts a JOIN notifications n ON n.id = a.notification_id WHERE n.user_id = $1`, [userId]);
  expect(attempts.rows.filter((a) => a.channel === 'discord')).toHaveLength(1);
  // A new webhook is a fresh start (preferences API clears the mark; here as it does).
  const fresh = webhookPath();
  await db.pool.query(`UPDATE preferences SET discord_webhook_url = $2, discord_dead = false, discord_dead_at = NULL WHERE user_id = $1`, [userId, `${discordUrl}${fresh}`]);
  await request(userId, 'pack_one_session_left', randomUUID(), { remaining_sessions: '1' });
  await drain();
  expect(discordPosts.filter((p) => p.path === fresh)).toHaveLength(1);
});

test('no preferences but an email a payment taught us → payments still go by email; other messages do not', async () => {
  const userId = `u-${randomUUID()}`;
  const address = `${randomUUID()}@example.test`;
  await db.pool.query(`INSERT INTO contacts (user_id, email, source) VALUES ($1, $2, 'payment stripe:pi_1')`, [userId, address]);
  await request(userId, 'payment_received', randomUUID(), { quantity: '1', amount_cents: '599', currency: 'usd' });
  await request(userId, 'session_ended', randomUUID(), { duration_used_seconds: '60' });
  await drain();
  expect(mails.filter((m) => m.to === address)).toHaveLength(1);
  expect((await stateOf(userId)).map((r) => r.status).sort()).toEqual(['delivered', 'skipped']);
});

test("messages are written in the reader's time zone and locale", async () => {
  const hook = webhookPath();
  const userId = await userWith({ discord: `${discordUrl}${hook}` });
  await db.pool.query(`UPDATE preferences SET time_zone = 'Asia/Tokyo', locale = 'en-GB' WHERE user_id = $1`, [userId]);
  await request(userId, 'session_extended', randomUUID(), { added_minutes: '1', expires_at: '2026-12-01T04:25:22.082Z' });
  await drain();
  expect(discordPosts.filter((p) => p.path === hook).map((p) => p.content)).toEqual(['Your session was extended by 1 minute. It now ends at 1 Dec 2026, 13:25 GMT+9.']);
});

test('payment received is written with the cooldown as of sending', async () => {
  const address = `${randomUUID()}@example.test`;
  const userId = await userWith({ email: address });
  await request(userId, 'payment_received', randomUUID(), { quantity: '1', amount_cents: '599', currency: 'usd' });
  const cooldownUntil = new Date(Date.now() + 4 * 60_000 + 10_000).toISOString();
  await dispatchDue({ ...deps(), liveData: async (templateId, user): Promise<Record<string, string>> => (templateId === 'payment_received' && user === userId ? { gate_known: 'true', cooldown_until: cooldownUntil } : {}) });
  const mail = mails.find((m) => m.to === address)!;
  expect(mail.raw).toMatch(/Payment received\. Waiting for cooldown to end \(04:(09|10)\)\./);
});
