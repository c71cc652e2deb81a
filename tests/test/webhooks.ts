import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { api, stack } from '@hourglass/testing';

const stripe = new Stripe('sk_test_unused');

/** POSTs a Stripe event to billing, signed the way Stripe signs (official library), or with overrides to forge. */
export async function sendStripe(event: object, { secret = stack.stripeWebhookSecret, timestamp, header }: { secret?: string; timestamp?: number; header?: string | null } = {}) {
  const payload = JSON.stringify(event);
  const signature = header === null ? undefined : (header ?? stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) }));
  return api(stack.billingUrl, '/webhooks/stripe', { method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) } });
}

export function checkoutCompleted(metadata: Record<string, string>, { paymentIntent = `pi_${randomUUID()}`, eventId = `evt_${randomUUID()}`, amount = 599 } = {}) {
  return {
    id: eventId,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `cs_${randomUUID()}`, object: 'checkout.session', payment_status: 'paid', payment_intent: paymentIntent, metadata, client_reference_id: metadata.user_id, amount_total: amount, currency: 'usd' } },
  };
}

/** Stripe's charge.refunded: `amount` is everything refunded on the charge so far; partial unless it is all of `charged`. */
export function chargeRefunded(paymentIntent: string, { eventId = `evt_${randomUUID()}`, amount = 599, charged }: { eventId?: string; amount?: number; charged?: number } = {}) {
  charged ??= amount;
  return {
    id: eventId,
    object: 'event',
    type: 'charge.refunded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `ch_${randomUUID()}`, object: 'charge', payment_intent: paymentIntent, amount: charged, amount_refunded: amount, refunded: amount >= charged } },
  };
}
