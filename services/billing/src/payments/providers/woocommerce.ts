import { createHmac, timingSafeEqual } from 'node:crypto';
import { SUBJECT_PATTERN } from '@hourglass/auth';
import { z } from 'zod';
import { header, WebhookRejected, type Headers, type PaymentAction, type VerifiedEvent } from '../types';
import { describeIssues, digestOf } from './malformed';
import { toCents } from './paypal';

export type WooUnit = { kind: 'session_credits'; quantity: number } | { kind: 'pack'; sessions: number };

export interface WooConfig {
  secret: string;
  /** What one unit of each SKU buys. */
  skus: Record<string, WooUnit>;
}

/** WooCommerce's first call after a webhook is created: form-encoded `webhook_id=<n>`, unsigned; answer 200. */
export function isWooPing(rawBody: Buffer, headers: Headers): boolean {
  const type = header(headers, 'content-type') ?? '';
  const body = rawBody.toString('utf8').trim();
  return /^webhook_id=\d+$/.test(body) && (type.includes('application/x-www-form-urlencoded') || !header(headers, 'x-wc-webhook-signature'));
}

const PAID = new Set(['processing', 'completed']);

/**
 * Verifies `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body) and turns an order into one event per line
 * item (per unit for packs). Event ids come from the order, line and status class, not the delivery: the same paid
 * order sent again, or `order.updated` after `order.created`, yields the same ids — nothing is granted twice.
 */
export function verifyWooWebhook(rawBody: Buffer, headers: Headers, config: WooConfig): VerifiedEvent[] {
  const given = header(headers, 'x-wc-webhook-signature');
  if (!given) throw new WebhookRejected('missing X-WC-Webhook-Signature', 401);
  const expected = createHmac('sha256', config.secret).update(rawBody).digest();
  const received = Buffer.from(given, 'base64');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw new WebhookRejected('WooCommerce signature does not verify', 401);

  const topic = header(headers, 'x-wc-webhook-topic') ?? '';
  const delivery = header(headers, 'x-wc-webhook-delivery-id') ?? 'unknown';
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON', 400);
  }
  const one = (eventId: string, action: PaymentAction): VerifiedEvent[] => [{ provider: 'woocommerce', eventId, eventType: topic || 'unknown', action }];
  const ignored = (reason: string, eventId = `woo:delivery:${delivery}`) => one(eventId, { type: 'ignored', reason });
  if (topic !== 'order.created' && topic !== 'order.updated') return ignored(`topic ${topic} is not handled`);
  const parsed = wooOrder.safeParse(body);
  if (!parsed.success) {
    // Signed by the shop but not an order we can read: recorded and acknowledged (a 5xx would be retried for days).
    const id = typeof (body as { id?: unknown })?.id === 'number' ? (body as { id: number }).id : 'unknown';
    return one(`woo:${id}:malformed:${digestOf(rawBody)}`, { type: 'unprocessable', reason: `not a WooCommerce order: ${describeIssues(parsed.error)}` });
  }
  const order = parsed.data;

  const status = order.status;
  const statusClass = PAID.has(status) ? 'paid' : status === 'refunded' ? 'refunded' : null;
  if (!statusClass) return ignored(`order ${order.id} is ${status}`, `woo:${order.id}:${status}`);
  const meta = (key: string) => order.meta_data.find((m) => m.key === key)?.value;
  const userId = meta(USER_META_KEY);
  // The shop's own field: a value that is not one of our user ids cannot be attributed (nor stored, if it holds a NUL).
  if (typeof userId !== 'string' || !SUBJECT_PATTERN.test(userId)) {
    const why = `order ${order.id} has no valid ${USER_META_KEY}: the money names no user`;
    return statusClass === 'paid' ? one(`woo:${order.id}:paid:unattributed`, { type: 'unprocessable', reason: why }) : ignored(why, `woo:${order.id}:${statusClass}:unattributed`);
  }
  const mentor = meta(MENTOR_META_KEY);
  const mentorId = typeof mentor === 'string' && SUBJECT_PATTERN.test(mentor) ? mentor : null;

  const events: VerifiedEvent[] = [];
  for (const item of order.line_items) {
    const unit = config.skus[String(item.sku ?? '')];
    const line = `${order.id}:${item.id}`;
    if (!unit) {
      events.push(...ignored(`SKU ${item.sku} is not sold here`, `woo:${line}:${statusClass}:unknown-sku`));
      continue;
    }
    const quantity = Number.isInteger(item.quantity) && item.quantity! > 0 ? item.quantity! : 1;
    // A pack is one pack per unit; credits are one grant for the whole line.
    const keys = unit.kind === 'pack' ? Array.from({ length: quantity }, (_, i) => `${line}:${i}`) : [line];
    for (const businessKey of keys) {
      const eventId = `woo:${businessKey}:${statusClass}`;
      events.push(
        statusClass === 'paid'
          ? {
              provider: 'woocommerce',
              eventId,
              eventType: topic,
              action: {
                type: 'paid',
                businessKey,
                userId,
                product: unit.kind === 'pack' ? { kind: 'pack', sessions: unit.sessions, mentorId } : { kind: 'session_credits', quantity: unit.quantity * quantity },
                amountCents: unit.kind === 'pack' ? Math.round(toCents(item.total) / quantity) : toCents(item.total),
                currency: String(order.currency ?? 'usd').toLowerCase(),
                payerEmail: order.billing?.email || null,
              },
            }
          : { provider: 'woocommerce', eventId, eventType: topic, action: { type: 'refunded', businessKey, amountCents: null } },
      );
    }
  }
  return events.length ? events : ignored(`order ${order.id} has no line items`, `woo:${order.id}:${statusClass}:empty`);
}

/** The order meta keys the shop sets (docs/payments.md): who bought, and for packs, with which mentor. */
export const USER_META_KEY = 'hourglass_user_id';
export const MENTOR_META_KEY = 'hourglass_mentor_id';

/** The fields of a WooCommerce order we read; anything else in it is left alone. */
const wooOrder = z
  .object({
    id: z.number().int(),
    status: z.string(),
    currency: z.string().optional(),
    meta_data: z.array(z.object({ key: z.string().optional(), value: z.unknown() }).loose()).default([]),
    line_items: z.array(z.object({ id: z.number().int(), sku: z.string().nullable().optional(), quantity: z.number().optional(), total: z.string().optional() }).loose()).default([]),
    billing: z.object({ email: z.string().optional() }).loose().nullable().optional(),
  })
  .loose();
