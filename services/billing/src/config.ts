import { createHash } from 'node:crypto';
import { baseServiceSchema, parseConfig, z } from '@hourglass/config';

/**
 * The webhook secrets the local stack (`npm start`, `npm test`, `npm run pay`) uses when none are set: derived from
 * JWT_SECRET, so billing run with only the dev JWT secret accepts what `npm run pay` signs. Production sets real ones
 * (Stripe's endpoint secret, PayPal's webhook id, the WooCommerce webhook secret); docs/payments.md.
 */
export function derivedWebhookSecrets(jwtSecret: string) {
  const derive = (what: string) => createHash('sha256').update(`${jwtSecret}:${what}`).digest('hex').slice(0, 32);
  return {
    STRIPE_WEBHOOK_SECRET: `whsec_${derive('stripe')}`,
    WOOCOMMERCE_WEBHOOK_SECRET: derive('woocommerce'),
    PAYPAL_WEBHOOK_ID: `WH-${derive('paypal').slice(0, 17).toUpperCase()}`,
  };
}

const billingFields = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('billing'),
  DEFAULT_PLAN_ID: z.string().min(1).default('standard'),
  /** Stripe's API; stripe-mock in development and tests. */
  STRIPE_API_URL: z.url().default('https://api.stripe.com'),
  STRIPE_SECRET_KEY: z.string().min(1).default('sk_test_123'),
  /** Unset: derived from JWT_SECRET as the local stack does (derivedWebhookSecrets). */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  PAYPAL_WEBHOOK_ID: z.string().min(1).optional(),
  /** PayPal's REST API for creating orders (POST /api/paypal/orders); without client id and secret, orders are only prepared. */
  PAYPAL_API_URL: z.url().default('https://api-m.paypal.com'),
  PAYPAL_CLIENT_ID: z.string().min(1).optional(),
  PAYPAL_CLIENT_SECRET: z.string().min(1).optional(),
  /** Hosts PayPal certificates may come from (https, default port, /v1/notifications/certs/…); the local stack adds
   *  127.0.0.1 together with PAYPAL_ALLOW_INSECURE_CERT_URL for its test signer. */
  PAYPAL_CERT_HOSTS: z.string().default('api.paypal.com,api-m.paypal.com,api.sandbox.paypal.com,api-m.sandbox.paypal.com').transform((s) => s.split(',').map((h) => h.trim()).filter(Boolean)),
  /** Local stack only: certificates over http from a configured host on any port (the test signer's). */
  PAYPAL_ALLOW_INSECURE_CERT_URL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  WOOCOMMERCE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** What one unit of each WooCommerce SKU buys. */
  WOOCOMMERCE_SKUS: z
    .string()
    .default('{"HG-SESSION":{"kind":"session_credits","quantity":1},"HG-PACK-4":{"kind":"pack","sessions":4}}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as Record<string, { kind: 'session_credits'; quantity: number } | { kind: 'pack'; sessions: number }>;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    }),
  SESSION_PRICE_CENTS: z.coerce.number().int().positive().default(599),
  EXTENSION_CENTS_PER_MINUTE: z.coerce.number().int().positive().default(40),
  PACK_PRICE_CENTS: z.coerce.number().int().positive().default(19900),
  /** Where Checkout sends people back to. */
  PUBLIC_URL: z.url().default('http://localhost:4001'),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
});

export const billingConfigSchema = billingFields.transform((c) => {
  const derived = derivedWebhookSecrets(c.JWT_SECRET);
  return {
    ...c,
    STRIPE_WEBHOOK_SECRET: c.STRIPE_WEBHOOK_SECRET ?? derived.STRIPE_WEBHOOK_SECRET,
    PAYPAL_WEBHOOK_ID: c.PAYPAL_WEBHOOK_ID ?? derived.PAYPAL_WEBHOOK_ID,
    WOOCOMMERCE_WEBHOOK_SECRET: c.WOOCOMMERCE_WEBHOOK_SECRET ?? derived.WOOCOMMERCE_WEBHOOK_SECRET,
  };
});
export type BillingConfig = z.infer<typeof billingConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): BillingConfig => parseConfig(billingConfigSchema, env);
