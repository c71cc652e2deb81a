import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { DomainError } from '@hourglass/errors';
import type { Pool } from '@hourglass/postgres';
import type { Product } from './types';

export interface Prices {
  sessionCents: number;
  extensionCentsPerMinute: number;
  packCents: number;
}

export function priceOf(product: Product, prices: Prices): { unitAmount: number; quantity: number; name: string } {
  switch (product.kind) {
    case 'session_credits':
      return { unitAmount: prices.sessionCents, quantity: product.quantity, name: 'Session credit' };
    case 'extension':
      return { unitAmount: prices.extensionCentsPerMinute * product.minutes, quantity: 1, name: `${product.minutes}-minute extension` };
    case 'pack':
      return { unitAmount: prices.packCents, quantity: 1, name: `Mentorship pack (${product.sessions} sessions)` };
  }
}

/** The metadata our webhook reads back (providers/stripe.ts, productFromMetadata). */
export function metadataOf(userId: string, product: Product): Record<string, string> {
  switch (product.kind) {
    case 'session_credits':
      return { user_id: userId, kind: 'session_credits', quantity: String(product.quantity) };
    case 'extension':
      return { user_id: userId, kind: 'extension', session_id: product.sessionId, minutes: String(product.minutes) };
    case 'pack':
      return { user_id: userId, kind: 'pack', sessions: String(product.sessions), mentor_id: product.mentorId ?? '' };
  }
}

const sha256 = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

export interface CheckoutAnswer {
  checkout_session_id: string;
  url: string | null;
  amount_cents: number;
}

/**
 * One checkout per (provider, user, Idempotency-Key): the same key with the same body answers the stored checkout;
 * the same key with another body is refused (409 IDEMPOTENCY_KEY_REUSED) — never a second, different checkout.
 * `create` makes the provider's object; it gets a key derived from the request, so the provider dedupes a retry too.
 */
export async function idempotentCheckout<T extends CheckoutAnswer>(
  pool: Pool,
  request: { provider: 'stripe' | 'paypal'; userId: string; product: Product; idempotencyKey: string },
  create: (providerKey: string) => Promise<{ id: string; url: string | null; amountCents: number; extra?: Omit<T, keyof CheckoutAnswer> }>,
  fromRow: (row: { id: string; url: string | null; amount_cents: number; product: Product }) => T,
): Promise<T> {
  const scope = sha256([request.provider, request.userId, request.idempotencyKey]);
  const fingerprint = sha256(request.product);
  const stored = async () => (await pool.query(`SELECT id, url, amount_cents, product, request_fingerprint FROM checkout_sessions WHERE idempotency_key = $1`, [scope])).rows[0];
  const answer = (row: { id: string; url: string | null; amount_cents: number; product: Product; request_fingerprint: string | null }) => {
    if (row.request_fingerprint !== fingerprint) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another checkout; send a new key for a new one', { idempotency_key: request.idempotencyKey, checkout_session_id: row.id });
    }
    return fromRow(row);
  };
  const existing = await stored();
  if (existing) return answer(existing);
  const created = await create(sha256([scope, fingerprint]));
  await pool.query(
    `INSERT INTO checkout_sessions (id, user_id, product, amount_cents, url, idempotency_key, provider, request_fingerprint) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`,
    [created.id, request.userId, request.product, created.amountCents, created.url, scope, request.provider, fingerprint],
  );
  // Two requests with one key at once: whichever stored first is the answer for both (or a 409 for the other body).
  const winner = await stored();
  if (winner && winner.id !== created.id) return answer(winner);
  return { checkout_session_id: created.id, url: created.url, amount_cents: created.amountCents, ...(created.extra ?? {}) } as T;
}

/**
 * Creates a Stripe Checkout Session for what the user wants to buy. The client's Idempotency-Key (or one derived
 * from the request) goes to Stripe, so a retried request does not create a second checkout.
 */
export async function createCheckout(deps: { stripe: Stripe; pool: Pool; prices: Prices; publicUrl: string }, userId: string, product: Product, idempotencyKey: string): Promise<CheckoutAnswer> {
  return idempotentCheckout(
    deps.pool,
    { provider: 'stripe', userId, product, idempotencyKey },
    async (key) => {
      const price = priceOf(product, deps.prices);
      const session = await createStripeSession(deps.stripe, userId, product, price, deps.publicUrl, key);
      return { id: session.id, url: session.url, amountCents: price.unitAmount * price.quantity };
    },
    (row) => ({ checkout_session_id: row.id, url: row.url, amount_cents: row.amount_cents }),
  );
}

async function createStripeSession(stripe: Stripe, userId: string, product: Product, price: ReturnType<typeof priceOf>, publicUrl: string, key: string) {
  try {
    return await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: userId,
        line_items: [{ price_data: { currency: 'usd', unit_amount: price.unitAmount, product_data: { name: price.name } }, quantity: price.quantity }],
        metadata: metadataOf(userId, product),
        payment_intent_data: { metadata: metadataOf(userId, product) },
        success_url: `${publicUrl}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${publicUrl}/checkout/cancel`,
      },
      { idempotencyKey: key },
    );
  } catch (e) {
    // Stripe down or refusing: the caller may retry with the same Idempotency-Key; nothing was charged.
    // The provider's own words stay in the log (they may name keys or accounts); the caller learns what to do.
    throw Object.assign(new DomainError('UNAVAILABLE', 'The payment provider could not create a checkout; nothing was charged — retry with the same Idempotency-Key'), { cause: e });
  }
}
