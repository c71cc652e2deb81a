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

/**
 * Creates a Stripe Checkout Session for what the user wants to buy. The client's Idempotency-Key (or one derived
 * from the request) goes to Stripe, so a retried request does not create a second checkout.
 */
export async function createCheckout(deps: { stripe: Stripe; pool: Pool; prices: Prices; publicUrl: string }, userId: string, product: Product, idempotencyKey: string) {
  const key = createHash('sha256').update(JSON.stringify([userId, product, idempotencyKey])).digest('hex');
  const existing = await deps.pool.query(`SELECT id, url, amount_cents FROM checkout_sessions WHERE idempotency_key = $1`, [key]);
  if (existing.rows[0]) return { checkout_session_id: existing.rows[0].id, url: existing.rows[0].url, amount_cents: existing.rows[0].amount_cents };
  const price = priceOf(product, deps.prices);
  const session = await createStripeSession(deps.stripe, userId, product, price, deps.publicUrl, key);
  const amount = price.unitAmount * price.quantity;
  await deps.pool.query(
    `INSERT INTO checkout_sessions (id, user_id, product, amount_cents, url, idempotency_key) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
    [session.id, userId, product, amount, session.url, key],
  );
  return { checkout_session_id: session.id, url: session.url, amount_cents: amount };
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
