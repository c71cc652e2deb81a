import { createHash } from 'node:crypto';

/**
 * Payment providers' webhook secrets for the local stack, derived from the stack's JWT secret: fixed for
 * `npm start` (so `npm run pay` can sign), fresh for every `npm test`. Production sets real ones.
 */
export function webhookSecrets(jwtSecret: string) {
  const derive = (what: string) => createHash('sha256').update(`${jwtSecret}:${what}`).digest('hex').slice(0, 32);
  return {
    STRIPE_WEBHOOK_SECRET: `whsec_${derive('stripe')}`,
    WOOCOMMERCE_WEBHOOK_SECRET: derive('woocommerce'),
    PAYPAL_WEBHOOK_ID: `WH-${derive('paypal').slice(0, 17).toUpperCase()}`,
    // The local stack lets PayPal certificates come from this machine (tests and `npm run pay` serve their own).
    PAYPAL_CERT_HOSTS: 'api.paypal.com,api-m.paypal.com,api.sandbox.paypal.com,api-m.sandbox.paypal.com,127.0.0.1,localhost',
    PAYPAL_ALLOW_INSECURE_CERT_URL: 'true',
    // Notifications may post to a Discord-compatible receiver on this machine (tests, demos).
    DISCORD_ALLOW_LOCAL: 'true',
  };
}
