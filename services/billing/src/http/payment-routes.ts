import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import { isPrivileged, principalOf, requireAuth } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { parseInput } from '@hourglass/http';
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
  z.object({ kind: z.literal('session_credits'), quantity: z.number().int().positive().max(100).default(1), user_id: z.string().min(1).max(128).optional() }),
  z.object({ kind: z.literal('extension'), session_id: z.uuid(), minutes: z.number().int().positive().max(240), user_id: z.string().min(1).max(128).optional() }),
  z.object({ kind: z.literal('pack'), sessions: z.number().int().positive().max(52).default(4), mentor_id: z.string().min(1).max(128).optional(), user_id: z.string().min(1).max(128).optional() }),
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

  const accept = (provider: string, verify: (raw: Buffer, headers: Headers) => Promise<VerifiedEvent[]> | VerifiedEvent[]) => async (req: Request, res: Response) => {
    const raw = rawOf(req);
    let events: VerifiedEvent[];
    try {
      events = await verify(raw, req.headers);
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

  router.post('/stripe', accept('stripe', (raw, headers) => [verifyStripeWebhook(deps.stripe, raw, headers, { webhookSecret: deps.config.STRIPE_WEBHOOK_SECRET })]));
  router.post(
    '/paypal',
    accept('paypal', async (raw, headers) => [
      await verifyPaypalWebhook(raw, headers, { webhookId: deps.config.PAYPAL_WEBHOOK_ID, allowedCertHosts: deps.config.PAYPAL_CERT_HOSTS, allowInsecureCertUrl: deps.config.PAYPAL_ALLOW_INSECURE_CERT_URL }),
    ]),
  );
  router.post('/woocommerce', async (req, res, next) => {
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
  router.post('/checkout', async (req, res) => {
    const body = parseInput(checkoutBody, req.body ?? {});
    const principal = principalOf(req);
    const userId = body.user_id && isPrivileged(principal) ? body.user_id : principal.sub;
    const product: Product =
      body.kind === 'session_credits'
        ? { kind: 'session_credits', quantity: body.quantity }
        : body.kind === 'extension'
          ? { kind: 'extension', sessionId: body.session_id, minutes: body.minutes }
          : { kind: 'pack', sessions: body.sessions, mentorId: body.mentor_id ?? null };
    const key = parseInput(z.string().min(1).max(255).optional(), req.header('idempotency-key'), 'Idempotency-Key header') ?? req.id;
    res.status(201).json(await createCheckout({ stripe: deps.stripe, pool: deps.pool, prices: deps.prices, publicUrl: deps.config.PUBLIC_URL }, userId, product, key));
  });
  return router;
}

export const paymentEventsQuery = z.object({ status: z.enum(['received', 'processed', 'ignored', 'failed', 'dead']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

export function paymentAdminRoutes(deps: Deps): Router {
  const router = Router();
  router.use(requireAuth(deps.config.JWT_SECRET, ['admin']));
  router.get('/payments/events', async (req, res) => {
    const q = parseInput(paymentEventsQuery, req.query, 'query');
    const { rows } = await deps.pool.query(
      `SELECT id, provider, event_id, event_type, business_key, status, attempts, last_error, outcome, received_at, processed_at
       FROM payment_events WHERE ($1::text IS NULL OR status = $1) ORDER BY received_at DESC LIMIT $2`,
      [q.status ?? null, q.limit],
    );
    res.json({ items: rows });
  });
  router.post('/payments/events/:id/reprocess', async (req, res) => {
    const id = parseInput(z.uuid(), req.params.id, 'event id');
    if (!(await reprocess(deps.pool, id))) throw new DomainError('CONFLICT', 'Only a failed or dead event can be reprocessed', { id });
    deps.kick();
    res.status(202).json({ id, status: 'received' });
  });
  router.get('/payments/flagged', async (_req, res) => {
    const { rows } = await deps.pool.query(`SELECT provider, business_key, user_id, product, amount_cents, flagged, refunded_at FROM payments WHERE flagged IS NOT NULL ORDER BY refunded_at DESC LIMIT 200`);
    res.json({ items: rows });
  });
  return router;
}
