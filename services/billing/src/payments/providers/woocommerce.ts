import { createHmac, timingSafeEqual } from 'node:crypto';
import { SUBJECT_PATTERN } from '@hourglass/auth';
import { header, WebhookRejected, type Headers, type VerifiedEvent } from '../types';
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
  let order: any;
  try {
    order = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON', 400);
  }
  const ignored = (reason: string, eventId = `woo:delivery:${delivery}`): VerifiedEvent[] => [{ provider: 'woocommerce', eventId, eventType: topic || 'unknown', action: { type: 'ignored', reason } }];
  if (topic !== 'order.created' && topic !== 'order.updated') return ignored(`topic ${topic} is not handled`);
  if (!order || typeof order.id !== 'number') throw new WebhookRejected('not a WooCommerce order', 400);

  const status = String(order.status);
  const statusClass = PAID.has(status) ? 'paid' : status === 'refunded' ? 'refunded' : null;
  if (!statusClass) return ignored(`order ${order.id} is ${status}`, `woo:${order.id}:${status}`);
  const userId = (order.meta_data ?? []).find((m: { key?: string }) => m.key === 'hourglass_user_id')?.value;
  // The shop's own field: a value that is not one of our user ids cannot be attributed (nor stored, if it holds a NUL).
  if (typeof userId !== 'string' || !SUBJECT_PATTERN.test(userId)) return ignored(`order ${order.id} has no valid hourglass_user_id`, `woo:${order.id}:${statusClass}:unattributed`);

  const events: VerifiedEvent[] = [];
  for (const item of order.line_items ?? []) {
    const unit = config.skus[String(item.sku ?? '')];
    const line = `${order.id}:${item.id}`;
    if (!unit) {
      events.push(...ignored(`SKU ${item.sku} is not sold here`, `woo:${line}:${statusClass}:unknown-sku`));
      continue;
    }
    const quantity = Number.isInteger(item.quantity) && item.quantity > 0 ? item.quantity : 1;
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
                product: unit.kind === 'pack' ? { kind: 'pack', sessions: unit.sessions, mentorId: null } : { kind: 'session_credits', quantity: unit.quantity * quantity },
                amountCents: unit.kind === 'pack' ? Math.round(toCents(item.total) / quantity) : toCents(item.total),
                currency: String(order.currency ?? 'usd').toLowerCase(),
              },
            }
          : { provider: 'woocommerce', eventId, eventType: topic, action: { type: 'refunded', businessKey, amountCents: null } },
      );
    }
  }
  return events.length ? events : ignored(`order ${order.id} has no line items`, `woo:${order.id}:${statusClass}:empty`);
}
