import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import Stripe from 'stripe';
import { signToken } from '@hourglass/auth';
import { summarize } from './stats';

export interface StackEnv {
  sessionsUrl: string;
  billingUrl: string;
  notificationsUrl: string;
  sessionsWorkerUrl: string;
  sessionsDatabaseUrl: string;
  jwtSecret: string;
  stripeWebhookSecret: string;
}

async function call(base: string, path: string, token: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => undefined);
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Sets the default plan's session lengths (minutes; fractional allowed) for what follows. */
export async function setDefaultPlan(env: StackEnv, freemiumMinutes: number): Promise<void> {
  const admin = await signToken({ sub: 'bench', role: 'admin' }, env.jwtSecret);
  await call(env.billingUrl, '/admin/plans/standard', admin, 'PUT', {
    name: 'Standard',
    mode: 'standard',
    max_sessions_per_period: null,
    max_minutes_per_period: null,
    session_minutes: { freemium: freemiumMinutes, paid: 45, test: 45, pack: 60 },
    cooldown_minutes: 10,
    max_upload_mb: 10,
    signup_free_credits: 3,
  });
}

export async function startFor(env: StackEnv, userId: string): Promise<{ id: string; expires_at: string }> {
  const token = await signToken({ sub: userId, role: 'user' }, env.jwtSecret);
  return (await call(env.sessionsUrl, '/api/sessions', token, 'POST', { mode: 'bench' })).session;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

export async function workerRssBytes(env: StackEnv): Promise<number> {
  const text = await (await fetch(`${env.sessionsWorkerUrl}/metrics`)).text();
  return Number(/^process_resident_memory_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN);
}

/** Extension latency: a signed Stripe webhook for an extension → the new expires_at visible in GET. */
export async function extensionLatency(env: StackEnv, n: number) {
  const stripe = new Stripe('sk_test_unused');
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const userId = `ext-${randomUUID()}`;
    const token = await signToken({ sub: userId, role: 'user' }, env.jwtSecret);
    const s = await startFor(env, userId);
    const payload = JSON.stringify({
      id: `evt_${randomUUID()}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `cs_${randomUUID()}`, object: 'checkout.session', payment_status: 'paid', payment_intent: `pi_${randomUUID()}`, metadata: { user_id: userId, kind: 'extension', session_id: s.id, minutes: '15' }, client_reference_id: userId, amount_total: 600, currency: 'usd' } },
    });
    const t0 = performance.now();
    const res = await fetch(`${env.billingUrl}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: env.stripeWebhookSecret }) }, body: payload });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    for (;;) {
      const now = await call(env.sessionsUrl, `/api/sessions/${s.id}`, token);
      if (now.expires_at !== s.expires_at) break;
      if (performance.now() - t0 > 30_000) throw new Error('extension never showed');
      await new Promise((r) => setTimeout(r, 10));
    }
    latencies.push(performance.now() - t0);
  }
  return { extensions: n, latency: summarize(latencies) };
}

/** A real SMTP server for the notification benchmark; the stack's notifications service sends to it. */
export async function startSmtp(port: number) {
  const arrivals = new Map<string, number>();
  /** Date.now() at arrival, to compare with Postgres timestamps (same machine clock). */
  const arrivedAt = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      const at = performance.now();
      const wall = Date.now();
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) {
          if (!arrivals.has(r.address)) arrivals.set(r.address, at);
          if (!arrivedAt.has(r.address)) arrivedAt.set(r.address, wall);
        }
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${port}`, arrivals, arrivedAt, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Notification latency, measured two ways for each of n new users who want session emails:
 *   event → email: the `sessions.session.started.v1` outbox row's commit (`created_at`, in the sessions database) →
 *     the "session started" message received by our SMTP server;
 *   Kafka → email: the relay marking that row published (`published_at`, after its Kafka transaction committed) →
 *     received;
 *   201 → email: the start's HTTP answer → received.
 */
export async function notificationLatency(env: StackEnv, smtp: Awaited<ReturnType<typeof startSmtp>>, n: number) {
  const fromAnswer: number[] = [];
  const fromEvent: number[] = [];
  const fromKafka: number[] = [];
  const db = new pg.Pool({ connectionString: env.sessionsDatabaseUrl, max: 4 });
  try {
    await pool(Array.from({ length: n }, (_, i) => i), 4, async () => {
      const userId = `mail-${randomUUID()}`;
      const email = `${userId}@bench.test`;
      const token = await signToken({ sub: userId, role: 'user' }, env.jwtSecret);
      await call(env.notificationsUrl, '/api/users/me/notification-preferences', token, 'PUT', { email, channels: { sessions: ['email'] } });
      const session = await startFor(env, userId);
      const answered = performance.now();
      const deadline = answered + 30_000;
      while (!smtp.arrivals.has(email)) {
        if (performance.now() > deadline) throw new Error(`no email for ${email}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      fromAnswer.push(smtp.arrivals.get(email)! - answered);
      const { rows } = await db.query(
        `SELECT extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM published_at) * 1000 AS published FROM outbox WHERE topic = 'sessions.session.started.v1' AND key = $1`,
        [session.id],
      );
      fromEvent.push(smtp.arrivedAt.get(email)! - Number(rows[0].created));
      if (rows[0].published) fromKafka.push(smtp.arrivedAt.get(email)! - Number(rows[0].published));
    });
  } finally {
    await db.end();
  }
  return { notifications: n, event_to_email: summarize(fromEvent), kafka_to_email: summarize(fromKafka), answer_to_email: summarize(fromAnswer) };
}

/**
 * Notification delivery at volume (issue 7): n `notifications.requested.v1` events published to Kafka at once, each
 * to its own user who wants packs by email; latency = published → message received by the SMTP server.
 */
export async function notificationBurst(env: StackEnv, kafkaBrokers: string[], smtp: Awaited<ReturnType<typeof startSmtp>>, n: number) {
  const { Kafka, Partitioners } = await import('kafkajs');
  const { encodeEvent } = await import('@hourglass/proto');
  const users = Array.from({ length: n }, () => `burst-${randomUUID()}`);
  await pool(users, 8, async (userId) => {
    const token = await signToken({ sub: userId, role: 'user' }, env.jwtSecret);
    await call(env.notificationsUrl, '/api/users/me/notification-preferences', token, 'PUT', { email: `${userId}@bench.test`, channels: { packs: ['email'] } });
  });
  const kafka = new Kafka({ clientId: 'bench-burst', brokers: kafkaBrokers, logLevel: 0 });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const sentAt = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < users.length; i += 100) {
    const batch = users.slice(i, i + 100);
    const now = performance.now();
    for (const u of batch) sentAt.set(`${u}@bench.test`, now);
    await producer.send({
      topic: 'notifications.requested.v1',
      messages: batch.map((u) => ({
        key: u,
        value: Buffer.from(encodeEvent('notifications.requested.v1', { requestId: randomUUID(), templateId: 'pack_one_session_left', recipientUserId: u, data: { pack_id: 'bench' }, dedupeKey: `bench:${u}` })),
        headers: { 'event-id': randomUUID(), 'event-type': 'notifications.requested.v1', 'occurred-at': new Date().toISOString() },
      })),
    });
  }
  await producer.disconnect();
  const deadline = Date.now() + 300_000;
  while ([...sentAt.keys()].some((e) => !smtp.arrivals.has(e))) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const latencies = [...sentAt].filter(([e]) => smtp.arrivals.has(e)).map(([e, at]) => smtp.arrivals.get(e)! - at);
  const wall = (performance.now() - t0) / 1000;
  return { requested: n, delivered: latencies.length, wall_seconds: Math.round(wall * 10) / 10, delivered_per_s: Math.round((latencies.length / wall) * 10) / 10, latency: summarize(latencies) };
}

/**
 * One user's burst: `n` concurrent POST /api/sessions by one new user, each on a connection of its own (a retry storm,
 * a double-clicking client, a script). What it should get: one 201, every other answer a refusal (409/402/429), none
 * slow. Counts by status and the latency of every answer.
 */
export async function oneUserBurst(env: StackEnv, n: number) {
  const { request } = await import('node:http');
  const token = await signToken({ sub: `burst-${randomUUID()}`, role: 'user' }, env.jwtSecret);
  const url = `${env.sessionsUrl}/api/sessions`;
  const payload = '{"mode":"burst"}';
  const one = () =>
    new Promise<{ status: number; ms: number }>((resolve) => {
      const t0 = performance.now();
      const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      });
      req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
      req.end(payload);
    });
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, one));
  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  return { requests: n, by_status: byStatus, wall_ms: Math.round(performance.now() - t0), latency: summarize(answers.map((a) => a.ms)) };
}
