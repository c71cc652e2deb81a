/**
 * `npm run pay -- <provider> <event> [options]`: sends a correctly signed test webhook to the running stack
 * (`npm start`), like `stripe trigger`, so every payment flow can be walked by hand.
 *
 *   npm run pay -- stripe credits   --user dev-user [--quantity 2]
 *   npm run pay -- stripe extension --user dev-user --session <id> [--minutes 15]
 *   npm run pay -- stripe refund    --payment <pi_…> [--amount 599]   (the running total refunded; less than paid is partial)
 *   npm run pay -- woocommerce order --user dev-user [--quantity 1] [--status processing|completed|refunded] [--order 1234]
 *   npm run pay -- paypal capture   --user dev-user [--capture <id>]
 *   npm run pay -- paypal refund    --capture <id>
 */
import { createHmac, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Stripe from 'stripe';
import { DEV_JWT_SECRET } from './settings';
import { webhookSecrets } from './webhook-secrets';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    user: { type: 'string' },
    session: { type: 'string' },
    minutes: { type: 'string', default: '15' },
    quantity: { type: 'string', default: '1' },
    payment: { type: 'string' },
    amount: { type: 'string' },
    capture: { type: 'string' },
    order: { type: 'string' },
    status: { type: 'string', default: 'processing' },
    billing: { type: 'string', default: process.env.BILLING_URL ?? 'http://127.0.0.1:4002' },
  },
});
const [provider, kind] = positionals;
const secrets = webhookSecrets(process.env.JWT_SECRET ?? DEV_JWT_SECRET);

function need(name: keyof typeof values): string {
  const v = values[name];
  if (!v) throw new Error(`--${name} is required for ${provider} ${kind}`);
  return String(v);
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(new URL(path, values.billing), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  console.log(`${res.status} ${await res.text()}`);
}

async function stripe() {
  const client = new Stripe('sk_test_unused');
  const now = Math.floor(Date.now() / 1000);
  let event: object;
  if (kind === 'credits' || kind === 'extension') {
    const user = need('user');
    const metadata = kind === 'credits' ? { user_id: user, kind: 'session_credits', quantity: String(values.quantity) } : { user_id: user, kind: 'extension', session_id: need('session'), minutes: String(values.minutes) };
    const paymentIntent = values.payment ?? `pi_${randomUUID().replace(/-/g, '')}`;
    // What the local stack charges (docs/payments.md): 599 per credit, 40 per extension minute.
    const amount = kind === 'credits' ? 599 * Number(values.quantity) : 40 * Number(values.minutes);
    event = { id: `evt_${randomUUID()}`, object: 'event', type: 'checkout.session.completed', created: now, data: { object: { id: `cs_${randomUUID()}`, object: 'checkout.session', payment_status: 'paid', payment_intent: paymentIntent, metadata, client_reference_id: user, amount_total: amount, currency: 'usd' } } };
    console.log(`payment intent: ${paymentIntent}`);
  } else if (kind === 'refund') {
    const refunded = Number(values.amount ?? 599);
    event = { id: `evt_${randomUUID()}`, object: 'event', type: 'charge.refunded', created: now, data: { object: { id: `ch_${randomUUID()}`, object: 'charge', payment_intent: need('payment'), amount_refunded: refunded, ...(values.amount ? {} : { refunded: true }) } } };
  } else throw new Error('stripe events: credits, extension, refund');
  const payload = JSON.stringify(event);
  await post('/webhooks/stripe', payload, { 'stripe-signature': client.webhooks.generateTestHeaderString({ payload, secret: secrets.STRIPE_WEBHOOK_SECRET }) });
}

async function woocommerce() {
  if (kind !== 'order') throw new Error('woocommerce events: order');
  const orderId = Number(values.order ?? Math.floor(Math.random() * 1e6));
  const order = {
    id: orderId,
    status: values.status,
    meta_data: [{ id: 1, key: 'hourglass_user_id', value: need('user') }],
    line_items: [{ id: orderId * 10 + 1, sku: 'HG-SESSION', quantity: Number(values.quantity), total: (5.99 * Number(values.quantity)).toFixed(2) }],
  };
  const body = JSON.stringify(order);
  const signature = createHmac('sha256', secrets.WOOCOMMERCE_WEBHOOK_SECRET).update(body).digest('base64');
  console.log(`order: ${orderId}`);
  await post('/webhooks/woocommerce', body, { 'x-wc-webhook-signature': signature, 'x-wc-webhook-topic': 'order.updated', 'x-wc-webhook-resource': 'order', 'x-wc-webhook-event': 'updated', 'x-wc-webhook-id': '1', 'x-wc-webhook-delivery-id': randomUUID() });
}

async function paypal() {
  // PayPal signs with a certificate it serves; this serves a throwaway one on this machine while sending.
  const { sendSignedPaypalWebhook } = await import('./pay-paypal');
  const capture = values.capture ?? `CAP-${randomUUID().slice(0, 8).toUpperCase()}`;
  await sendSignedPaypalWebhook({ billingUrl: String(values.billing), webhookId: secrets.PAYPAL_WEBHOOK_ID, kind: String(kind), user: values.user, capture });
  console.log(`capture: ${capture}`);
}

const run = { stripe, woocommerce, paypal }[String(provider)];
if (!run) {
  console.error('usage: npm run pay -- <stripe|woocommerce|paypal> <event> [--user …] (see deploy/local/src/pay.ts)');
  process.exit(2);
}
run().catch((e) => {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(1);
});
