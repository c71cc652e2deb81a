import { derivedWebhookSecrets } from '@hourglass/billing/config';

/**
 * Payment providers' webhook secrets for the local stack, derived from the stack's JWT secret exactly as billing
 * derives its defaults (`derivedWebhookSecrets`): fixed for `npm start` (so `npm run pay` can sign, and the summary
 * prints them), fresh for every `npm test`. Production sets real ones (docs/payments.md).
 */
export function webhookSecrets(jwtSecret: string) {
  return {
    ...derivedWebhookSecrets(jwtSecret),
    // The local stack lets PayPal certificates come from this machine (tests and `npm run pay` serve their own).
    PAYPAL_CERT_HOSTS: 'api.paypal.com,api-m.paypal.com,api.sandbox.paypal.com,api-m.sandbox.paypal.com,127.0.0.1,localhost',
    PAYPAL_ALLOW_INSECURE_CERT_URL: 'true',
    // Notifications may post to a Discord-compatible receiver on this machine (tests, demos).
    DISCORD_ALLOW_LOCAL: 'true',
  };
}
