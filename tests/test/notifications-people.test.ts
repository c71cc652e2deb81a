import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { api, eventually, stack, tokenFor } from '@hourglass/testing';
import { admin } from './admin';
import { liveSession, person } from './live';
import { checkoutCompleted, sendStripe } from './webhooks';

// What people hear, through the running stack: payments (seed 002's words, always by email), both channels, a dead
// Discord webhook, the participant of a live session, times in the reader's zone — and the operators' search.
jest.setTimeout(90_000);

type Admin = Awaited<ReturnType<typeof admin>>;
let ops: Admin;
let discord: Server;
let discordUrl: string;
const discordPosts: Array<{ path: string; content: string }> = [];
const deadHooks = new Set<string>();
beforeAll(async () => {
  ops = await admin();
  await ops.plan('e2e-pps-ten', { mode: 'pay_per_session', signup_free_credits: 1, cooldown_minutes: 10 });
  // A Discord-compatible receiver; a hook in deadHooks answers 404 as Discord does for a deleted webhook.
  discord = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = (req.url ?? '').split('?')[0]!;
      if (deadHooks.has(p)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unknown Webhook', code: 10015 }));
        return;
      }
      discordPosts.push({ path: p, content: JSON.parse(body).content });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((r) => discord.listen(0, '127.0.0.1', r));
  discordUrl = `http://127.0.0.1:${(discord.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => discord?.close(() => r())));

const setPrefs = (token: string, body: object) => api(stack.notificationsUrl, '/api/users/me/notification-preferences', { method: 'PUT', token, body });
const mailsTo = (address: string) => readdirSync(stack.mailDir).filter((f) => f.includes(address)).map((f) => readFileSync(path.join(stack.mailDir, f), 'utf8'));
/** The emails to an address with a subject, once there are `count` of them. */
const waitForMail = (address: string, subject: RegExp, what: string, count = 1) =>
  eventually(() => {
    const found = mailsTo(address).filter((m) => new RegExp(`^Subject: ${subject.source}`, 'm').test(m));
    return found.length >= count ? found : undefined;
  }, { what, timeoutMs: 30_000 });
/** The decoded text part of an email (quoted-printable soft breaks undone). */
const textOf = (eml: string) => eml.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

test('paying during the cooldown → an email "Payment received. Waiting for cooldown to end (mm:ss)", even with payments set to Discord', async () => {
  const u = await person('payer');
  const address = `${u.id}@example.test`;
  await setPrefs(u.token, { email: address, channels: { payments: ['discord'] } });
  await ops.assignPlan(u.id, 'e2e-pps-ten');
  const first = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'chat' } });
  expect(first.status).toBe(201);
  await api(stack.sessionsUrl, `/api/sessions/${first.body.session.id}/end`, { method: 'POST', token: u.token });
  const gate = await eventually(async () => (await api(stack.sessionsUrl, '/api/users/me/gate', { token: u.token })).body.cooldown_until ?? undefined, { what: 'the cooldown' });
  expect(Date.parse(gate)).toBeGreaterThan(Date.now() + 9 * 60_000);
  await sendStripe(checkoutCompleted({ user_id: u.id, kind: 'session_credits', quantity: '1' }));
  const [mail] = await waitForMail(address, /Payment received/, 'the payment email');
  const text = textOf(mail!);
  expect(text).toMatch(/Payment received\. Waiting for cooldown to end \((?:0?9:[0-5]\d|10:00)\)\./);
  expect(text).toContain('$5.99: 1 session credit added.');
});

test('no preferences at all, but the payer email Stripe gave → the payment email still arrives', async () => {
  const u = await person('anon');
  const address = `${u.id}@example.test`;
  const completed = checkoutCompleted({ user_id: u.id, kind: 'session_credits', quantity: '2' }, { amount: 1198 });
  (completed.data.object as Record<string, unknown>).customer_details = { email: address };
  await sendStripe(completed);
  const [mail] = await waitForMail(address, /Payment received/, 'the payment email to the payer address');
  expect(textOf(mail!)).toContain('$11.98: 2 session credits added.');
});

test('both channels chosen → Discord and email; after Discord answers 404 the preferences say dead and Discord messages go by email', async () => {
  const u = await person('both');
  const address = `${u.id}@example.test`;
  const hook = `/api/webhooks/${Date.now()}/${randomUUID()}`;
  await setPrefs(u.token, { email: address, discord_webhook_url: `${discordUrl}${hook}`, channels: { sessions: ['discord', 'email'] }, time_zone: 'Asia/Tokyo', locale: 'en-GB' });
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: u.token, body: { mode: 'chat' } });
  expect(started.status).toBe(201);
  const [mail] = await waitForMail(address, /Your session has started/, 'the started email');
  await eventually(() => discordPosts.some((p) => p.path === hook), { what: 'the Discord post' });
  const post = discordPosts.find((p) => p.path === hook)!.content;
  expect(post).toMatch(/^Your session has started \(5 minutes\)\. It ends at \d{1,2} \w{3} \d{4}, \d{2}:\d{2} GMT\+9\.$/);
  expect(textOf(mail!)).toContain(post);

  // The webhook is deleted on Discord's side.
  deadHooks.add(hook);
  await setPrefs(u.token, { channels: { sessions: ['discord'] } });
  await api(stack.sessionsUrl, `/api/sessions/${started.body.session.id}/end`, { method: 'POST', token: u.token });
  const [ended] = await waitForMail(address, /Your session has ended/, 'the ended message by email instead');
  const prefs = await eventually(async () => {
    const p = await api(stack.notificationsUrl, '/api/users/me/notification-preferences', { token: u.token });
    return p.body.discord_status === 'dead' ? p.body : undefined;
  }, { what: 'the preferences to say the webhook is dead' });
  expect(prefs).toMatchObject({ discord_dead: true, discord_dead_at: expect.any(String), time_zone: 'Asia/Tokyo', locale: 'en-GB' });
  expect(textOf(ended!)).toMatch(/Your session has ended after \d+ seconds?\./);
  expect(discordPosts.filter((p) => p.path === hook)).toHaveLength(1);
  // A bad time zone or locale is refused.
  expect((await setPrefs(u.token, { time_zone: 'Mars/Olympus' })).status).toBe(422);
  expect((await setPrefs(u.token, { locale: 'not a locale' })).status).toBe(422);
});

test("a live session's participant hears it started and ended, per their own preferences", async () => {
  const { customer, provider, session } = await liveSession();
  void customer;
  // The participant sets preferences after the start: what they hear follows their preferences at sending.
  const address = `${provider.id}@example.test`;
  await setPrefs(provider.token, { email: address, channels: { sessions: ['email'] } });
  await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: customer.token });
  await waitForMail(address, /Your session has ended/, "the participant's ended email");
  const adminToken = await tokenFor('ops', 'admin');
  const theirs = await api(stack.notificationsUrl, `/admin/notifications?user=${provider.id}`, { token: adminToken });
  expect(theirs.body.items.map((n: { template_id: string }) => n.template_id).sort()).toEqual(expect.arrayContaining(['session_ended', 'session_started']));
});

test('the delivery log can be searched by user, source event id and dedupe key, page by page', async () => {
  const adminToken = await tokenFor('ops', 'admin');
  const { customer, session } = await liveSession();
  await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token: customer.token });
  const all = await eventually(async () => {
    const r = await api(stack.notificationsUrl, `/admin/notifications?user=${customer.id}`, { token: adminToken });
    return r.body.items.length >= 3 ? r.body.items : undefined;
  }, { what: 'the customer’s notifications' });
  const started = all.find((n: { template_id: string }) => n.template_id === 'session_started');
  const byKey = await api(stack.notificationsUrl, `/admin/notifications?dedupe_key=session_started:${session.id}`, { token: adminToken });
  expect(byKey.body.items.map((n: { id: string }) => n.id)).toEqual([started.id]);
  const byEvent = await api(stack.notificationsUrl, `/admin/notifications?event_id=${started.source_event_id}`, { token: adminToken });
  expect(byEvent.body.items.map((n: { id: string }) => n.id)).toContain(started.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await api(stack.notificationsUrl, `/admin/notifications?user=${customer.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: adminToken });
    expect(page.body.items.length).toBeLessThanOrEqual(1);
    seen.push(...page.body.items.map((n) => n.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.length).toBeGreaterThanOrEqual(all.length);
});
