import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { createKafka, type KafkaClient } from '@hourglass/kafka';
import { encodeEvent } from '@hourglass/proto';
import { tokenFor } from '@hourglass/testing';
import type { DrillEnv } from './drill-stack';

/**
 * A small open-loop load (actions start on a fixed clock, whatever the server does) that behaves like real clients:
 * session starts by many users with an Idempotency-Key, sessions ended by their owners, credit purchases and paid
 * extensions as signed Stripe webhooks (some delivered twice, some as a second event for the same payment), and
 * notification requests published to Kafka the way a service would. Every client retries what failed for a reason
 * that is not its own (connection refused or reset, timeout, 5xx) with the same key or event, like Stripe and a real
 * app do, and counts it. What it records is what the clients were told; the invariants are checked against what the
 * system recorded (see invariants.ts).
 */

const stripe = new Stripe('sk_test_unused');
type Producer = ReturnType<KafkaClient['producer']>;
const GIVE_UP_MS = 150_000;

/** `acknowledged`: the client was told it arrived (billing answered 200, Kafka acknowledged the write). */
export interface CreditPayment {
  paymentIntent: string;
  userId: string;
  quantity: number;
  acknowledged: boolean;
}
export interface ExtensionPayment {
  paymentIntent: string;
  userId: string;
  sessionId: string;
  minutes: number;
  acknowledged: boolean;
}
export interface NotificationRequest {
  dedupeKey: string;
  userId: string;
  acknowledged: boolean;
}

export interface ClientCounts {
  actions: number;
  start_requests: number;
  starts_201: number;
  starts_refused: number;
  ends: number;
  credit_payments: number;
  extension_payments: number;
  webhook_replays: number;
  notification_requests: number;
  /** Answers that were the system's fault (refused connection, 5xx, timeout) and were retried. */
  client_errors: number;
  /** Requests abandoned after GIVE_UP_MS of retries. */
  gave_up: number;
}

interface Observed {
  userId: string;
  expiresAt: number;
  endedByClient: boolean;
}

interface Answer {
  status: number;
  body: any;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export class Load {
  readonly counts: ClientCounts = { actions: 0, start_requests: 0, starts_201: 0, starts_refused: 0, ends: 0, credit_payments: 0, extension_payments: 0, webhook_replays: 0, notification_requests: 0, client_errors: 0, gave_up: 0 };
  readonly refusals = new Map<string, number>();
  /** Every session a start request was answered 201 with. */
  readonly observed = new Map<string, Observed>();
  readonly creditPayments: CreditPayment[] = [];
  readonly extensionPayments: ExtensionPayment[] = [];
  readonly notificationRequests: NotificationRequest[] = [];
  /** Errors by kind, e.g. "POST /api/sessions ECONNREFUSED" → 12. */
  readonly errorKinds = new Map<string, number>();

  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly busy = new Set<string>();
  private readonly tokens = new Map<string, string>();
  private producer: Promise<Producer> | null = null;
  private readonly kafka;

  constructor(
    private readonly env: DrillEnv,
    readonly userIds: string[],
    private readonly ratePerSecond: number,
  ) {
    this.kafka = createKafka({ clientId: 'fault-drill-requester', brokers: env.kafkaBrokers });
  }

  /** Creates the drill's users: each wants sessions and packs news by email (the stack's mail sink). */
  async prepareUsers(): Promise<void> {
    for (let i = 0; i < this.userIds.length; i += 10) {
      await Promise.all(
        this.userIds.slice(i, i + 10).map(async (userId) => {
          const r = await this.call('PUT /api/users/me/notification-preferences', this.env.notificationsUrl, '/api/users/me/notification-preferences', {
            method: 'PUT',
            token: await this.token(userId),
            body: { email: `${userId}@drill.test`, channels: { sessions: ['email'], packs: ['email'], payments: ['email'] } },
          });
          if (r.status !== 200) throw new Error(`preferences of ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
        }),
      );
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000 / this.ratePerSecond);
  }

  /** Stops the clock and waits for every action still retrying. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    const producer = this.producer;
    this.producer = null;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Ends every session still running (users leave), through the API like a client, so the system can go quiet. */
  async endAll(active: { id: string; user_id: string }[]): Promise<void> {
    await Promise.all(active.map((s) => this.end(s.id, s.user_id)));
  }

  private tick(): void {
    this.counts.actions++;
    const r = Math.random();
    const action = r < 0.45 ? this.startOne() : r < 0.55 ? this.endOne() : r < 0.7 ? this.buyCredits() : r < 0.82 ? this.payExtension() : this.requestNotification();
    const p = action.catch((e: unknown) => this.countError(`unexpected ${(e as Error).message}`));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async token(userId: string): Promise<string> {
    let t = this.tokens.get(userId);
    if (!t) this.tokens.set(userId, (t = await tokenFor(userId, 'user', this.env.jwtSecret)));
    return t;
  }

  private countError(kind: string): void {
    this.counts.client_errors++;
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  /**
   * One HTTP request, retried while the failure is the system's (no answer, 5xx, 429) — with the same body and
   * headers, so idempotency keys and event ids stay the same — until an answer or GIVE_UP_MS.
   */
  private async call(what: string, base: string, path: string, o: { method: string; token?: string; body?: unknown; headers?: Record<string, string> | (() => Record<string, string>)}): Promise<Answer> {
    const deadline = Date.now() + GIVE_UP_MS;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      try {
        const headers = typeof o.headers === 'function' ? o.headers() : (o.headers ?? {});
        const res = await fetch(new URL(path, base), {
          method: o.method,
          headers: { ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...headers },
          body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        if (res.status < 500 && res.status !== 429) return { status: res.status, body };
        const code = (body as { error?: unknown } | undefined)?.error;
        failure = `${what} ${res.status}${typeof code === 'string' ? ` ${code}` : ''}`;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        failure = `${what} ${err.cause?.code ?? err.name}`;
      }
      this.countError(failure);
      if (Date.now() > deadline) {
        this.counts.gave_up++;
        return { status: 0, body: failure };
      }
      await sleep(Math.min(2000, 200 * 1.5 ** attempt));
    }
  }

  private pick<T>(items: T[]): T | undefined {
    return items[Math.floor(Math.random() * items.length)];
  }

  private activeSessions(marginMs = 0): [string, Observed][] {
    const now = Date.now();
    return [...this.observed].filter(([, o]) => !o.endedByClient && o.expiresAt > now + marginMs);
  }

  private async startOne(): Promise<void> {
    const now = Date.now();
    const busyUntil = new Map([...this.observed.values()].filter((o) => !o.endedByClient).map((o) => [o.userId, o.expiresAt]));
    const idle = this.userIds.filter((u) => !this.busy.has(u) && (busyUntil.get(u) ?? 0) < now);
    const userId = this.pick(idle);
    if (!userId) return;
    this.busy.add(userId);
    try {
      this.counts.start_requests++;
      // Retried with the same key: the same session if it started, a fresh start if it was given up (README).
      const key = randomUUID();
      const r = await this.call('POST /api/sessions', this.env.sessionsUrl, '/api/sessions', { method: 'POST', token: await this.token(userId), body: { mode: 'chat' }, headers: { 'idempotency-key': key } });
      if (r.status === 201) {
        this.counts.starts_201++;
        this.observed.set(r.body.session.id, { userId, expiresAt: Date.parse(r.body.session.expires_at), endedByClient: false });
      } else if (r.status > 0) {
        this.counts.starts_refused++;
        const code = `${r.status} ${r.body?.error ?? ''}`.trim();
        this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
      }
    } finally {
      this.busy.delete(userId);
    }
  }

  private async end(sessionId: string, userId: string): Promise<void> {
    const o = this.observed.get(sessionId);
    if (o) o.endedByClient = true;
    const r = await this.call('POST /api/sessions/:id/end', this.env.sessionsUrl, `/api/sessions/${sessionId}/end`, { method: 'POST', token: await this.token(userId) });
    if (r.status === 200) this.counts.ends++;
    else if (r.status > 0) throw new Error(`ending ${sessionId}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  private async endOne(): Promise<void> {
    const s = this.pick(this.activeSessions());
    if (s) await this.end(s[0], s[1].userId);
  }

  /** Sends one Stripe event until billing answers 200 (Stripe retries failed deliveries, signing each one anew). */
  private async deliver(event: object): Promise<void> {
    const payload = JSON.stringify(event);
    const r = await this.call('POST /webhooks/stripe', this.env.billingUrl, '/webhooks/stripe', {
      method: 'POST',
      body: payload,
      headers: () => ({ 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: this.env.stripeWebhookSecret }) }),
    });
    if (r.status !== 200) throw new Error(`webhook ${r.status} ${JSON.stringify(r.body)}`);
  }

  private async pay(metadata: Record<string, string>, payment: { paymentIntent: string; acknowledged: boolean }): Promise<void> {
    const event = checkoutCompleted(metadata, payment.paymentIntent);
    await this.deliver(event);
    payment.acknowledged = true;
    // Stripe delivers at least once: the same event again, or (rarely) a new event for the same payment.
    const r = Math.random();
    if (r < 0.3) {
      this.counts.webhook_replays++;
      await sleep(Math.random() * 1000);
      await this.deliver(event);
    } else if (r < 0.4) {
      this.counts.webhook_replays++;
      await this.deliver({ ...event, id: `evt_${randomUUID()}` });
    }
  }

  private async buyCredits(): Promise<void> {
    const userId = this.pick(this.userIds)!;
    const payment: CreditPayment = { paymentIntent: `pi_${randomUUID()}`, userId, quantity: 1 + Math.floor(Math.random() * 3), acknowledged: false };
    this.counts.credit_payments++;
    this.creditPayments.push(payment);
    await this.pay({ user_id: userId, kind: 'session_credits', quantity: String(payment.quantity) }, payment);
  }

  private async payExtension(): Promise<void> {
    const s = this.pick(this.activeSessions(2000));
    if (!s) return;
    const payment: ExtensionPayment = { paymentIntent: `pi_${randomUUID()}`, userId: s[1].userId, sessionId: s[0], minutes: 1, acknowledged: false };
    this.counts.extension_payments++;
    this.extensionPayments.push(payment);
    await this.pay({ user_id: payment.userId, kind: 'extension', session_id: payment.sessionId, minutes: String(payment.minutes) }, payment);
  }

  /** A service asking for a message (`notifications.requested.v1`); retried with the same event id until Kafka takes it. */
  private async requestNotification(): Promise<void> {
    const userId = this.pick(this.userIds)!;
    const request: NotificationRequest = { dedupeKey: `drill:${randomUUID()}`, userId, acknowledged: false };
    this.counts.notification_requests++;
    this.notificationRequests.push(request);
    const message = {
      key: userId,
      value: Buffer.from(encodeEvent('notifications.requested.v1', { requestId: randomUUID(), templateId: 'pack_one_session_left', recipientUserId: userId, data: { pack_id: 'drill' }, dedupeKey: request.dedupeKey })),
      headers: { 'event-id': randomUUID(), 'event-type': 'notifications.requested.v1', 'occurred-at': new Date().toISOString() },
    };
    const deadline = Date.now() + GIVE_UP_MS;
    for (let attempt = 0; ; attempt++) {
      const producer = (this.producer ??= (async () => {
        const p = this.kafka.producer({ retry: { retries: 2 } });
        await p.connect();
        return p;
      })());
      try {
        await (await producer).send({ topic: 'notifications.requested.v1', acks: -1, messages: [message] });
        request.acknowledged = true;
        return;
      } catch (e) {
        this.countError(`kafka produce ${(e as Error).name}`);
        // Start over with a new connection (once, however many requests failed on this one).
        if (this.producer === producer) {
          this.producer = null;
          void producer.then((p) => p.disconnect()).catch(() => undefined);
        }
        if (Date.now() > deadline) {
          this.counts.gave_up++;
          return;
        }
        await sleep(Math.min(2000, 200 * 1.5 ** attempt));
      }
    }
  }
}

export function checkoutCompleted(metadata: Record<string, string>, paymentIntent: string) {
  return {
    id: `evt_${randomUUID()}`,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `cs_${randomUUID()}`, object: 'checkout.session', payment_status: 'paid', payment_intent: paymentIntent, metadata, client_reference_id: metadata.user_id, amount_total: 599, currency: 'usd' } },
  };
}
