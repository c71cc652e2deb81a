import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import { isPrivileged, principalOf, requireAuth, subjectId, type Principal } from '@hourglass/auth';
import { DomainError, notFound } from '@hourglass/errors';
import { clientKey, cursorQuery, decodeCursor, pageOf, route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import type { BillingConfig } from '../config';
import { webhooksReceived } from '../metrics';
import { createCheckout, type Prices } from '../payments/checkout';
import { receive, reprocess } from '../payments/inbox';
import { paypalOrder, type PaypalApiConfig } from '../payments/paypal-orders';
import { verifyPaypalWebhook } from '../payments/providers/paypal';
import { verifyStripeWebhook } from '../payments/providers/stripe';
import { isWooPing, verifyWooWebhook } from '../payments/providers/woocommerce';
import { WebhookRejected, type Headers, type Product, type VerifiedEvent } from '../payments/types';

const forUser = subjectId.optional().describe('admin or service: whom the purchase is for (the sessions service always names the user)');
export const checkoutBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('session_credits'), quantity: z.number().int().positive().max(100).default(1), user_id: forUser }),
  z.object({ kind: z.literal('extension'), session_id: z.uuid(), minutes: z.number().int().positive().max(240), user_id: forUser }).describe('sessions service only: users buy extensions with POST /api/sessions/{id}/extend'),
  z.object({ kind: z.literal('pack'), sessions: z.number().int().positive().max(52).default(4), mentor_id: subjectId, user_id: forUser }).describe('sessions service only: users buy packs with POST /api/packs/checkout'),
]);
type CheckoutBody = z.infer<typeof checkoutBody>;

/**
 * Who may buy what for whom. Session credits: any user for themselves (admins and services for a named user).
 * Extensions and packs: only the sessions service, which owns sessions and seats and has already checked that the
 * session is the caller's and active, or that the mentor has a seat — billing cannot, so it does not pretend to.
 */
function purchaseOf(principal: Principal, body: CheckoutBody): { userId: string; product: Product } {
  if (body.kind !== 'session_credits' && principal.role !== 'service') {
    const use = body.kind === 'extension' ? 'POST /api/sessions/{id}/extend' : 'POST /api/packs/checkout';
    throw new DomainError('FORBIDDEN', `A ${body.kind} is bought through the sessions service (${use}), which checks the ${body.kind === 'extension' ? 'session is yours and active' : "mentor's seats"} first`, { required_roles: ['service'], use });
  }
  if (principal.role === 'service' && !body.user_id) throw new DomainError('VALIDATION_FAILED', 'A service buys on behalf of a user: user_id is required', { field: 'user_id' });
  const userId = body.user_id && isPrivileged(principal) ? body.user_id : principal.sub;
  const product: Product =
    body.kind === 'session_credits'
      ? { kind: 'session_credits', quantity: body.quantity }
      : body.kind === 'extension'
        ? { kind: 'extension', sessionId: body.session_id, minutes: body.minutes }
        : { kind: 'pack', sessions: body.sessions, mentorId: body.mentor_id };
  return { userId, product };
}

interface Deps {
  pool: Pool;
  stripe: Stripe;
  config: BillingConfig;
  prices: Prices;
  /** PayPal's Orders API, when credentials are configured. */
  paypal: PaypalApiConfig | null;
  /** Wakes the inbox processor after a webhook was stored. */
  kick: () => void;
}

/** Webhooks answer fast: verify, store in the inbox, 200 — the effect is applied by the inbox processor. */
export function webhookRoutes(deps: Deps): Router {
  const router = Router();
  router.use(express.raw({ type: () => true, limit: '1mb' }));
  const rawOf = (req: Request) => req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

  const accept = (provider: string, verify: (raw: Buffer, headers: Headers, req: Request) => Promise<VerifiedEvent[]> | VerifiedEvent[]) => async (req: Request, res: Response) => {
    const raw = rawOf(req);
    let events: VerifiedEvent[];
    try {
      events = await verify(raw, req.headers, req);
    } catch (e) {
      if (e instanceof WebhookRejected) {
        webhooksReceived.inc({ provider, outcome: 'rejected' });
        throw new DomainError(e.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST', e.message);
      }
      throw e;
    }
    const result = await receive(deps.pool, events, { body: raw, headers: req.headers });
    webhooksReceived.inc({ provider, outcome: result.stored > 0 ? 'stored' : 'duplicate' });
    res.json({ received: true, ...result });
    deps.kick();
  };

  route(router, 'post', '/stripe', webhook('Stripe', 'Stripe-Signature'), accept('stripe', (raw, headers) => [verifyStripeWebhook(deps.stripe, raw, headers, { webhookSecret: deps.config.STRIPE_WEBHOOK_SECRET })]));
  route(
    router,
    'post',
    '/paypal',
    webhook('PayPal', 'PAYPAL-TRANSMISSION-SIG with the certificate'),
    accept('paypal', async (raw, headers, req) => [
      await verifyPaypalWebhook(raw, headers, {
        webhookId: deps.config.PAYPAL_WEBHOOK_ID,
        allowedCertHosts: deps.config.PAYPAL_CERT_HOSTS,
        allowInsecureCertUrl: deps.config.PAYPAL_ALLOW_INSECURE_CERT_URL,
        log: (details, message) => req.log?.warn(details, message),
      }),
    ]),
  );
  route(router, 'post', '/woocommerce', webhook('WooCommerce', 'X-WC-Webhook-Signature; the webhook_id ping answers 200'), async (req, res, _input, next) => {
    // WooCommerce's first call after a webhook is created is an unsigned form-encoded ping that must get 200.
    if (isWooPing(rawOf(req), req.headers)) {
      res.json({ received: true, ping: true });
      return;
    }
    return accept('woocommerce', (raw, headers) => verifyWooWebhook(raw, headers, { secret: deps.config.WOOCOMMERCE_WEBHOOK_SECRET, skus: deps.config.WOOCOMMERCE_SKUS }))(req, res).catch(next);
  });
  return router;
}

const idempotencyHeader = z.object({ 'Idempotency-Key': clientKey(255).optional().describe('The same key with the same body answers the same checkout; with another body, 409 IDEMPOTENCY_KEY_REUSED') });
const checkoutErrors = ['FORBIDDEN', 'IDEMPOTENCY_KEY_REUSED', 'UNAVAILABLE'] as const;

export function checkoutRoutes(deps: Deps): Router {
  const router = Router();
  router.use(requireAuth(deps.config.JWT_SECRET));
  route(router, 'post', '/checkout', { summary: 'A Stripe Checkout Session for credits (users), an extension or a pack (the sessions service); Idempotency-Key gives the same one', tags: ['payments'], body: checkoutBody, headers: idempotencyHeader, responses: { 201: { description: 'created', schema: z.object({ checkout_session_id: z.string(), url: z.string().nullable(), amount_cents: z.number() }) } }, errors: [...checkoutErrors] }, async (req, res, { body, headers }) => {
    const { userId, product } = purchaseOf(principalOf(req), body);
    const key = headers['Idempotency-Key'] ?? req.id;
    res.status(201).json(await createCheckout({ stripe: deps.stripe, pool: deps.pool, prices: deps.prices, publicUrl: deps.config.PUBLIC_URL }, userId, product, key));
  });
  route(
    router,
    'post',
    '/paypal/orders',
    {
      summary: "A PayPal order for the same purchases as /api/checkout, carrying the custom_id billing's PayPal webhook reads",
      description: 'With PayPal credentials (PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET) the order is created at PayPal and `url` is its approve link; without them `order_id` is null and `order` is the create-order body to pass to PayPal (e.g. the JS SDK `actions.order.create`).',
      tags: ['payments'],
      body: checkoutBody,
      headers: idempotencyHeader,
      responses: { 201: { description: 'created (or prepared)', schema: paypalOrderAnswer } },
      errors: [...checkoutErrors],
    },
    async (req, res, { body, headers }) => {
      const { userId, product } = purchaseOf(principalOf(req), body);
      res.status(201).json(await paypalOrder({ pool: deps.pool, prices: deps.prices, paypal: deps.paypal }, userId, product, headers['Idempotency-Key'] ?? req.id));
    },
  );
  return router;
}

const paypalOrderAnswer = z.object({
  checkout_session_id: z.string(),
  order_id: z.string().nullable(),
  url: z.string().nullable(),
  amount_cents: z.number().int(),
  custom_id: z.string(),
  order: z.object({ intent: z.literal('CAPTURE'), purchase_units: z.array(z.object({ custom_id: z.string(), description: z.string(), amount: z.object({ currency_code: z.string(), value: z.string() }) })) }),
});

const webhookAnswer = z.object({
  received: z.literal(true),
  stored: z.number().int().optional(),
  duplicates: z.number().int().optional(),
  ping: z.boolean().optional(),
  unprocessable: z.array(z.object({ event_id: z.string(), reason: z.string() })).optional().describe('signed events recorded but not applicable, with the reason (left for a person)'),
});
const webhook = (provider: string, how: string) => ({ summary: `${provider} webhook: verified (${how}), stored once, answered at once; applied from the inbox`, tags: ['payments'], auth: 'signature' as const, bodyType: 'raw' as const, body: z.looseObject({}), responses: { 200: { description: 'received', schema: webhookAnswer } }, errors: ['BAD_REQUEST', 'UNAUTHENTICATED'] as const });

const eventStatus = z.enum(['received', 'processed', 'ignored', 'unprocessable', 'failed', 'dead']);
const paymentEvent = z.object({
  id: z.string(),
  provider: z.enum(['stripe', 'paypal', 'woocommerce']),
  event_id: z.string(),
  event_type: z.string(),
  business_key: z.string().nullable(),
  user_id: z.string().nullable(),
  status: eventStatus,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  outcome: z.string().nullable(),
  received_at: z.string(),
  processed_at: z.string().nullable(),
});
const flaggedPayment = z.object({
  provider: z.string(),
  business_key: z.string(),
  user_id: z.string().nullable(),
  product: z.unknown(),
  amount_cents: z.number().int().nullable(),
  refunded_cents: z.number().int(),
  flagged: z.string(),
  refunded_at: z.string().nullable(),
});
const refundRequest = z.object({
  id: z.string(),
  provider: z.string(),
  business_key: z.string(),
  user_id: z.string().nullable(),
  amount_cents: z.number().int(),
  currency: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'issued', 'manual', 'failed']),
  attempts: z.number().int(),
  provider_refund_id: z.string().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const paymentEventsQuery = z.object({
  status: eventStatus.optional(),
  provider: z.enum(['stripe', 'paypal', 'woocommerce']).optional(),
  event_id: clientKey(255).optional().describe("the provider's event id (evt_…, WH-…, woo:…)"),
  business_key: clientKey(255).optional().describe('payment intent, capture id or order line'),
  user: subjectId.optional().describe('events about this user (paid events name them; refunds through their payment)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuery,
});

export function paymentAdminRoutes(deps: Deps): Router {
  const router = Router();
  router.use(requireAuth(deps.config.JWT_SECRET, ['admin']));
  route(router, 'get', '/payments/events', { summary: 'The payment inbox, newest first: by status, provider, event id, business key, user; paged', tags: ['payments'], roles: ['admin'], query: paymentEventsQuery, responses: { 200: { description: 'events, newest first; next_cursor while there are more', schema: z.object({ items: z.array(paymentEvent), next_cursor: z.string().nullable() }) } }, errors: ['VALIDATION_FAILED'] }, async (_req, res, { query: q }) => {
    const after = decodeCursor(q.cursor);
    const { rows } = await deps.pool.query(
      `SELECT pe.id, pe.provider, pe.event_id, pe.event_type, pe.business_key, coalesce(pe.user_id, p.user_id) AS user_id, pe.status, pe.attempts, pe.last_error,
              pe.outcome, pe.received_at, pe.processed_at, pe.received_at::text AS cursor_at
       FROM payment_events pe LEFT JOIN payments p ON p.provider = pe.provider AND p.business_key = pe.business_key
       WHERE ($1::text IS NULL OR pe.status = $1) AND ($2::text IS NULL OR pe.provider = $2) AND ($3::text IS NULL OR pe.event_id = $3)
         AND ($4::text IS NULL OR pe.business_key = $4) AND ($5::text IS NULL OR pe.user_id = $5 OR p.user_id = $5)
         AND ($6::timestamptz IS NULL OR (pe.received_at, pe.id) < ($6::timestamptz, $7::uuid))
       ORDER BY pe.received_at DESC, pe.id DESC LIMIT $8`,
      [q.status ?? null, q.provider ?? null, q.event_id ?? null, q.business_key ?? null, q.user ?? null, after?.at ?? null, after?.id ?? null, q.limit + 1],
    );
    res.json(pageOf(rows, q.limit));
  });
  route(router, 'post', '/payments/events/:id/reprocess', { summary: 'A failed or dead payment event back in line', tags: ['payments'], roles: ['admin'], params: z.object({ id: z.uuid() }), responses: { 202: { description: 'queued', schema: z.object({ id: z.string(), status: z.literal('received') }) } }, errors: ['NOT_FOUND', 'CONFLICT'] }, async (_req, res, { params: { id } }) => {
    const result = await reprocess(deps.pool, id);
    if (result === 'not_found') throw notFound('Payment event', { id });
    if (result !== 'queued') throw new DomainError('CONFLICT', 'Only a failed or dead event can be reprocessed', { id, status: result.status });
    deps.kick();
    res.status(202).json({ id, status: 'received' });
  });
  route(router, 'get', '/payments/flagged', { summary: 'Payments for a person to look at: refunds of credits already used or of minutes/packs already given, refunds owed that Hourglass cannot make itself', tags: ['payments'], roles: ['admin'], responses: { 200: { description: 'flagged payments, most recent first (at most 200)', schema: z.object({ items: z.array(flaggedPayment) }) } } }, async (_req, res) => {
    const { rows } = await deps.pool.query(`SELECT provider, business_key, user_id, product, amount_cents, refunded_cents, flagged, refunded_at FROM payments WHERE flagged IS NOT NULL ORDER BY coalesce(refunded_at, created_at) DESC LIMIT 200`);
    res.json({ items: rows });
  });
  route(router, 'get', '/payments/refunds', { summary: 'Refunds Hourglass owes (late extensions, packs that cannot be delivered): issued through Stripe, or manual', tags: ['payments'], roles: ['admin'], query: z.object({ status: z.enum(['pending', 'issued', 'manual', 'failed']).optional(), user: subjectId.optional() }), responses: { 200: { description: 'refund requests, newest first (at most 200)', schema: z.object({ items: z.array(refundRequest) }) } } }, async (_req, res, { query: q }) => {
    const { rows } = await deps.pool.query(
      `SELECT id, provider, business_key, user_id, amount_cents, currency, reason, status, attempts, provider_refund_id, last_error, created_at, updated_at
       FROM refund_requests WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR user_id = $2) ORDER BY created_at DESC LIMIT 200`,
      [q.status ?? null, q.user ?? null],
    );
    res.json({ items: rows });
  });
  return router;
}
