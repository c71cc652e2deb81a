import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import { isPrivileged, principalOf, requireAuth, subjectId } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { clientKey, route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import type { BillingConfig } from '../config';
import { webhooksReceived } from '../metrics';
import { createCheckout, type Prices } from '../payments/checkout';
import { receive, reprocess } from '../payments/inbox';
import { verifyPaypalWebhook } from '../payments/providers/paypal';
import { verifyStripeWebhook } from '../payments/providers/stripe';
import { isWooPing, verifyWooWebhook } from '../payments/providers/woocommerce';
import { WebhookRejected, type Headers, type Product, type VerifiedEvent } from '../payments/types';

export const checkoutBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('session_credits'), quantity: z.number().int().positive().max(100).default(1), user_id: subjectId.optional() }),
  z.object({ kind: z.literal('extension'), session_id: z.uuid(), minutes: z.number().int().positive().max(240), user_id: subjectId.optional() }),
  z.object({ kind: z.literal('pack'), sessions: z.number().int().positive().max(52).default(4), mentor_id: subjectId.optional(), user_id: subjectId.optional() }),
]);

interface Deps {
  pool: Pool;
  stripe: Stripe;
  config: BillingConfig;
  prices: Prices;
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

export function checkoutRoutes(deps: Deps): Router {
  const router = Router();
  router.use(requireAuth(deps.config.JWT_SECRET));
  route(router, 'post', '/checkout', { summary: 'A Stripe Checkout Session for credits, an extension or a pack (Idempotency-Key gives the same one)', tags: ['payments'], body: checkoutBody, headers: z.object({ 'Idempotency-Key': clientKey(255).optional().describe('The same key answers the same checkout') }), responses: { 201: { description: 'created', schema: z.object({ checkout_session_id: z.string(), url: z.string().nullable(), amount_cents: z.number() }) } }, errors: ['UNAVAILABLE'] }, async (req, res, { body, headers }) => {
    const principal = principalOf(req);
    const userId = body.user_id && isPrivileged(principal) ? body.user_id : principal.sub;
    const product: Product =
      body.kind === 'session_credits'
        ? { kind: 'session_credits', quantity: body.quantity }
        : body.kind === 'extension'
          ? { kind: 'extension', sessionId: body.session_id, minutes: body.minutes }
          : { kind: 'pack', sessions: body.sessions, mentorId: body.mentor_id ?? null };
    const key = headers['Idempotency-Key'] ?? req.id;
    res.status(201).json(await createCheckout({ stripe: deps.stripe, pool: deps.pool, prices: deps.prices, publicUrl: deps.config.PUBLIC_URL }, userId, product, key));
  });
  return router;
}

const webhookAnswer = z.object({ received: z.literal(true), stored: z.number().int().optional(), duplicates: z.number().int().optional(), ping: z.boolean().optional() });
const webhook = (provider: string, how: string) => ({ summary: `${provider} webhook: verified (${how}), stored once, answered at once; applied from the inbox`, tags: ['payments'], auth: 'signature' as const, bodyType: 'raw' as const, body: z.looseObject({}), responses: { 200: { description: 'received', schema: webhookAnswer } }, errors: ['BAD_REQUEST', 'UNAUTHENTICATED'] as const });

const paymentEvent = z.object({
  id: z.string(),
  provider: z.enum(['stripe', 'paypal', 'woocommerce']),
  event_id: z.string(),
  event_type: z.string(),
  business_key: z.string().nullable(),
  status: z.enum(['received', 'processed', 'ignored', 'failed', 'dead']),
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
  flagged: z.string(),
  refunded_at: z.string().nullable(),
});

export const paymentEventsQuery = z.object({ status: z.enum(['received', 'processed', 'ignored', 'failed', 'dead']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

export function paymentAdminRoutes(deps: Deps): Router {
  const router = Router();
  router.use(requireAuth(deps.config.JWT_SECRET, ['admin']));
  route(router, 'get', '/payments/events', { summary: 'The payment inbox by status', tags: ['payments'], roles: ['admin'], query: paymentEventsQuery, responses: { 200: { description: 'events, newest first', schema: z.object({ items: z.array(paymentEvent) }) } } }, async (_req, res, { query: q }) => {
    const { rows } = await deps.pool.query(
      `SELECT id, provider, event_id, event_type, business_key, status, attempts, last_error, outcome, received_at, processed_at
       FROM payment_events WHERE ($1::text IS NULL OR status = $1) ORDER BY received_at DESC LIMIT $2`,
      [q.status ?? null, q.limit],
    );
    res.json({ items: rows });
  });
  route(router, 'post', '/payments/events/:id/reprocess', { summary: 'A failed or dead payment event back in line', tags: ['payments'], roles: ['admin'], params: z.object({ id: z.uuid() }), responses: { 202: { description: 'queued', schema: z.object({ id: z.string(), status: z.literal('received') }) } }, errors: ['CONFLICT'] }, async (_req, res, { params: { id } }) => {
    if (!(await reprocess(deps.pool, id))) throw new DomainError('CONFLICT', 'Only a failed or dead event can be reprocessed', { id });
    deps.kick();
    res.status(202).json({ id, status: 'received' });
  });
  route(router, 'get', '/payments/flagged', { summary: 'Refunds of credits already used, for a person to look at', tags: ['payments'], roles: ['admin'], responses: { 200: { description: 'flagged payments, newest refund first (at most 200)', schema: z.object({ items: z.array(flaggedPayment) }) } } }, async (_req, res) => {
    const { rows } = await deps.pool.query(`SELECT provider, business_key, user_id, product, amount_cents, flagged, refunded_at FROM payments WHERE flagged IS NOT NULL ORDER BY refunded_at DESC LIMIT 200`);
    res.json({ items: rows });
  });
  return router;
}
