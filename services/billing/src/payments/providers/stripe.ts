import type Stripe from 'stripe';
import { SUBJECT_PATTERN } from '@hourglass/auth';
import { header, WebhookRejected, type Headers, type PaymentAction, type Product, type VerifiedEvent } from '../types';

export interface StripeWebhookConfig {
  webhookSecret: string;
  /** Seconds a signature stays valid (Stripe's default and ours: 300). */
  toleranceSeconds?: number;
}

/**
 * Verifies a Stripe webhook with the official library against the raw bytes received (never re-serialised JSON)
 * and translates the events we act on. Everything else is verified, recorded and ignored.
 */
export function verifyStripeWebhook(stripe: Stripe, rawBody: Buffer, headers: Headers, config: StripeWebhookConfig): VerifiedEvent {
  const signature = header(headers, 'stripe-signature');
  if (!signature) throw new WebhookRejected('missing Stripe-Signature header', 400);
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret, config.toleranceSeconds ?? 300);
  } catch (e) {
    throw new WebhookRejected(`signature verification failed: ${(e as Error).message}`, 401);
  }
  return { provider: 'stripe', eventId: event.id, eventType: event.type, action: actionOf(event) };
}

function actionOf(event: Stripe.Event): PaymentAction {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object as Stripe.Checkout.Session;
      if (session.payment_status !== 'paid') return { type: 'ignored', reason: `checkout ${session.payment_status}: waiting for the async payment` };
      return paidFromCheckout(session);
    }
    case 'charge.refunded': {
      const charge = event.data.object as Stripe.Charge;
      const intent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
      if (!intent) return { type: 'ignored', reason: 'refund of a charge without a payment intent' };
      return { type: 'refunded', businessKey: intent, amountCents: charge.amount_refunded ?? null };
    }
    default:
      return { type: 'ignored', reason: `event type ${event.type} is not handled` };
  }
}

/** What our checkout put in the session's metadata (see checkout.ts) decides what the payment bought. */
function paidFromCheckout(session: Stripe.Checkout.Session): PaymentAction {
  const m = session.metadata ?? {};
  const userId = m.user_id || session.client_reference_id;
  const businessKey = (typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id) || session.id;
  if (!userId || !SUBJECT_PATTERN.test(userId)) return { type: 'ignored', reason: 'checkout without a valid user id' };
  const product = productFromMetadata(m);
  if (!product) return { type: 'ignored', reason: `checkout metadata does not say what was bought (kind=${m.kind ?? ''})` };
  return { type: 'paid', businessKey, userId, product, amountCents: session.amount_total ?? 0, currency: session.currency ?? 'usd' };
}

export function productFromMetadata(m: Record<string, string>): Product | null {
  const positive = (v: string | undefined) => (v && /^[1-9]\d{0,5}$/.test(v) ? Number(v) : null);
  switch (m.kind) {
    case 'session_credits': {
      const quantity = positive(m.quantity);
      return quantity ? { kind: 'session_credits', quantity } : null;
    }
    case 'extension': {
      const minutes = positive(m.minutes);
      return minutes && m.session_id ? { kind: 'extension', sessionId: m.session_id, minutes } : null;
    }
    case 'pack': {
      const sessions = positive(m.sessions);
      return sessions ? { kind: 'pack', sessions, mentorId: m.mentor_id || null } : null;
    }
    default:
      return null;
  }
}
