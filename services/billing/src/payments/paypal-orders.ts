import { DomainError } from '@hourglass/errors';
import type { Pool } from '@hourglass/postgres';
import { idempotentCheckout, priceOf, type CheckoutAnswer, type Prices } from './checkout';
import type { Product } from './types';

/** PayPal's REST API (Orders v2). Without credentials Hourglass only prepares the order (see paypalOrder). */
export interface PaypalApiConfig {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

/** PayPal limits custom_id to 127 characters. */
const CUSTOM_ID_MAX = 127;

/** The custom_id our PayPal webhook reads back (providers/paypal.ts, parseCustomId): who bought what. */
export function customIdOf(userId: string, product: Product): string {
  const c =
    product.kind === 'session_credits'
      ? { u: userId, k: 'session_credits', q: product.quantity }
      : product.kind === 'extension'
        ? { u: userId, k: 'extension', s: product.sessionId, m: product.minutes }
        : { u: userId, k: 'pack', n: product.sessions, ...(product.mentorId ? { mentor: product.mentorId } : {}) };
  const id = JSON.stringify(c);
  if (id.length > CUSTOM_ID_MAX) throw new DomainError('VALIDATION_FAILED', `PayPal's custom_id holds at most ${CUSTOM_ID_MAX} characters; this purchase needs ${id.length} (ids too long)`, { length: id.length });
  return id;
}

/** "5.99" from 599: PayPal wants decimal strings. */
export const toDecimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** The Orders v2 create-order body: one purchase unit carrying the custom_id and the price. */
export function orderRequestOf(userId: string, product: Product, amountCents: number, name: string) {
  return {
    intent: 'CAPTURE' as const,
    purchase_units: [{ custom_id: customIdOf(userId, product), description: name, amount: { currency_code: 'USD', value: toDecimal(amountCents) } }],
  };
}

export interface PaypalOrderAnswer extends CheckoutAnswer {
  /** PayPal's order id, or null when no PayPal credentials are configured (then create it from `order`). */
  order_id: string | null;
  custom_id: string;
  /** The create-order body: what Hourglass sent to PayPal, or what a client passes to PayPal's JS SDK. */
  order: ReturnType<typeof orderRequestOf>;
}

async function accessToken(api: PaypalApiConfig): Promise<string> {
  const res = await fetch(new URL('/v1/oauth2/token', api.apiUrl), {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${api.clientId}:${api.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(10000),
  });
  if (!res.ok) throw new Error(`PayPal token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POST /v2/checkout/orders with PayPal-Request-Id, PayPal's idempotency header: a retry gets the same order. */
export async function createPaypalOrder(api: PaypalApiConfig, body: object, requestId: string): Promise<{ id: string; approveUrl: string | null }> {
  try {
    const res = await fetch(new URL('/v2/checkout/orders', api.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken(api)}`, 'content-type': 'application/json', 'paypal-request-id': requestId },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    if (!res.ok) throw new Error(`PayPal answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const order = (await res.json()) as { id: string; links?: Array<{ rel: string; href: string }> };
    return { id: order.id, approveUrl: order.links?.find((l) => l.rel === 'approve' || l.rel === 'payer-action')?.href ?? null };
  } catch (e) {
    throw new DomainError('UNAVAILABLE', `PayPal could not create the order: ${(e as Error).message}`.slice(0, 300));
  }
}

/**
 * A PayPal order for what the user wants to buy, with the custom_id our webhook reads — so no integrator builds it by
 * hand. With PayPal credentials the order is created at PayPal (approve link in `url`); without them (local stack)
 * Hourglass answers the prepared body for the client to create. Idempotent per Idempotency-Key like Stripe's checkout.
 */
export async function paypalOrder(deps: { pool: Pool; prices: Prices; paypal: PaypalApiConfig | null }, userId: string, product: Product, idempotencyKey: string): Promise<PaypalOrderAnswer> {
  const price = priceOf(product, deps.prices);
  const amount = price.unitAmount * price.quantity;
  const prepared = (amountCents: number) => orderRequestOf(userId, product, amountCents, price.name);
  const order = prepared(amount); // refuses a custom_id PayPal would not take, before anything is stored
  return idempotentCheckout<PaypalOrderAnswer>(
    deps.pool,
    { provider: 'paypal', userId, product, idempotencyKey },
    async (key) => {
      if (!deps.paypal) return { id: `paypal-prepared:${key.slice(0, 32)}`, url: null, amountCents: amount, extra: { order_id: null, custom_id: order.purchase_units[0]!.custom_id, order } };
      const created = await createPaypalOrder(deps.paypal, order, key.slice(0, 36));
      return { id: created.id, url: created.approveUrl, amountCents: amount, extra: { order_id: created.id, custom_id: order.purchase_units[0]!.custom_id, order } };
    },
    (row) => {
      const body = prepared(row.amount_cents);
      return { checkout_session_id: row.id, order_id: row.id.startsWith('paypal-prepared:') ? null : row.id, url: row.url, amount_cents: row.amount_cents, custom_id: body.purchase_units[0]!.custom_id, order: body };
    },
  );
}
