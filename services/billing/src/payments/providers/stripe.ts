import type Stripe from 'stripe';
import { z } from 'zod';
import { SUBJECT_PATTERN } from '@hourglass/auth';
import { header, WebhookRejected, type Headers, type PaymentAction, type Product, type VerifiedEvent } from '../types';
import { describeIssues, digestOf } from './malformed';

export interface StripeWebhookConfig {
  webhookSecret: string;
  /** Seconds a signature's timestamp may be away from now, either way (Stripe's default and ours: 300). */
  toleranceSeconds?: number;
  now?: () => number;
}

/**
 * Verifies a Stripe webhook with the official library against the raw bytes received (never re-serialised JSON),
 * refuses timestamps too far in the past or the future, and translates the events we act on. What is signed but
 * cannot be read is recorded as unprocessable (never a 500: Stripe would retry it for days); everything else is
 * verified, recorded and ignored.
 */
export function verifyStripeWebhook(stripe: Stripe, rawBody: Buffer, headers: Headers, config: StripeWebhookConfig): VerifiedEvent {
  const signature = header(headers, 'stripe-signature');
  if (!signature) throw new WebhookRejected('missing Stripe-Signature header', 400);
  const tolerance = config.toleranceSeconds ?? 300;
  try {
    stripe.webhooks.signature.verifyHeader(rawBody.toString('utf8'), signature, config.webhookSecret, tolerance);
  } catch (e) {
    throw new WebhookRejected(`signature verification failed: ${(e as Error).message}`, 401);
  }
  // The library only refuses old timestamps; a signature dated ahead of us is refused the same way.
  const signedAt = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
  const now = Math.floor((config.now ?? Date.now)() / 1000);
  if (signedAt - now > tolerance) throw new WebhookRejected('signature verification failed: Timestamp outside the tolerance zone (in the future)', 401);

  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON', 400);
  }
  const envelope = stripeEnvelope.safeParse(body);
  if (!envelope.success) {
    const id = typeof (body as { id?: unknown })?.id === 'string' && (body as { id: string }).id ? (body as { id: string }).id : `malformed:${digestOf(rawBody)}`;
    const type = typeof (body as { type?: unknown })?.type === 'string' ? (body as { type: string }).type : 'malformed';
    return { provider: 'stripe', eventId: id, eventType: type.slice(0, 200) || 'malformed', action: { type: 'unprocessable', reason: `not a Stripe event: ${describeIssues(envelope.error)}` } };
  }
  const event = envelope.data;
  return { provider: 'stripe', eventId: event.id, eventType: event.type, action: actionOf(event) };
}

const stripeEnvelope = z.object({ id: z.string().min(1).max(255), type: z.string().min(1).max(200), data: z.unknown() });
const expandable = z.union([z.string(), z.object({ id: z.string() }).loose(), z.null()]).optional();
const idOf = (v: z.infer<typeof expandable>) => (typeof v === 'string' ? v : (v?.id ?? null));

/** The fields of a Checkout Session we read (Stripe sends many more). */
const checkoutSession = z
  .object({
    id: z.string().min(1),
    payment_status: z.string(),
    payment_intent: expandable,
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    client_reference_id: z.string().nullable().optional(),
    amount_total: z.number().int().nonnegative().nullable().optional(),
    currency: z.string().nullable().optional(),
    customer_email: z.string().nullable().optional(),
    customer_details: z.object({ email: z.string().nullable().optional() }).loose().nullable().optional(),
  })
  .loose();

const charge = z
  .object({
    id: z.string().min(1),
    payment_intent: expandable,
    amount: z.number().int().nonnegative().optional(),
    amount_refunded: z.number().int().nonnegative(),
    refunded: z.boolean().optional(),
  })
  .loose();

const objectOf = <S extends z.ZodType>(schema: S, data: unknown) => z.object({ object: schema }).safeParse(data);

function actionOf(event: z.infer<typeof stripeEnvelope>): PaymentAction {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const parsed = objectOf(checkoutSession, event.data);
      if (!parsed.success) return { type: 'unprocessable', reason: `${event.type} without a readable checkout session: ${describeIssues(parsed.error)}` };
      const session = parsed.data.object;
      if (session.payment_status !== 'paid') return { type: 'ignored', reason: `checkout ${session.payment_status}: waiting for the async payment` };
      return paidFromCheckout(session);
    }
    case 'charge.refunded': {
      const parsed = objectOf(charge, event.data);
      if (!parsed.success) return { type: 'unprocessable', reason: `charge.refunded without a readable charge: ${describeIssues(parsed.error)}` };
      const c = parsed.data.object;
      const intent = idOf(c.payment_intent);
      if (!intent) return { type: 'ignored', reason: 'refund of a charge without a payment intent' };
      // amount_refunded is everything refunded on the charge so far; `refunded` means all of it.
      const full = c.refunded === true || (c.amount !== undefined && c.amount_refunded >= c.amount);
      return { type: 'refunded', businessKey: intent, amountCents: full ? null : c.amount_refunded, totalRefundedCents: full ? null : c.amount_refunded };
    }
    default:
      return { type: 'ignored', reason: `event type ${event.type} is not handled` };
  }
}

/** What our checkout put in the session's metadata (see checkout.ts) decides what the payment bought. */
function paidFromCheckout(session: z.infer<typeof checkoutSession>): PaymentAction {
  const m = session.metadata ?? {};
  const userId = m.user_id || session.client_reference_id;
  const businessKey = idOf(session.payment_intent) || session.id;
  // Money that names no user, or a user id that is not one of ours (nor storable, if it holds a NUL), is for a person.
  if (!userId || !SUBJECT_PATTERN.test(userId)) return { type: 'unprocessable', reason: userId ? `paid checkout ${session.id} names a user id that is not valid` : `paid checkout ${session.id} names no user (metadata.user_id / client_reference_id)` };
  const product = productFromMetadata(m);
  if (!product) return { type: 'unprocessable', reason: `paid checkout ${session.id}: metadata does not say what was bought (kind=${m.kind ?? ''})` };
  const payerEmail = session.customer_details?.email || session.customer_email || null;
  return { type: 'paid', businessKey, userId, product, amountCents: session.amount_total ?? 0, currency: session.currency ?? 'usd', payerEmail };
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
