import { renderSummary } from '../src/summary';
import { webhookSecrets } from '../src/webhook-secrets';
import { loadConfig } from '@hourglass/billing/config';
import type { Stack } from '../src/stack';

const jwtSecret = 'hourglass-dev-secret';
const stack = {
  settings: { jwtSecret, instances: [], servicePorts: {}, host: '127.0.0.1', logDir: '/tmp/logs', dataDir: '/tmp/data' },
  skipped: [],
  balancers: [],
  apiUrls: { BILLING_URL: 'http://127.0.0.1:4002' },
  temporal: { address: '127.0.0.1:7233', namespace: 'default' },
  kafka: { brokers: '127.0.0.1:9092' },
  postgres: { url: () => 'postgres://x' },
  databaseUrls: {},
  stripeMock: { url: 'http://127.0.0.1:12111' },
} as unknown as Stack;

test("npm start's summary prints the local webhook secrets an integrator signs with", async () => {
  const text = await renderSummary(stack);
  const secrets = webhookSecrets(jwtSecret);
  expect(text).toContain(`http://127.0.0.1:4002/webhooks/stripe   signing secret ${secrets.STRIPE_WEBHOOK_SECRET}`);
  expect(text).toContain(`webhook id ${secrets.PAYPAL_WEBHOOK_ID}`);
  expect(text).toContain(`secret ${secrets.WOOCOMMERCE_WEBHOOK_SECRET}`);
});

test("billing's defaults are the secrets the local stack uses", () => {
  const config = loadConfig({ JWT_SECRET: jwtSecret, DATABASE_URL: 'postgres://x/billing', KAFKA_BROKERS: '127.0.0.1:9092', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
  const secrets = webhookSecrets(jwtSecret);
  expect({ stripe: config.STRIPE_WEBHOOK_SECRET, paypal: config.PAYPAL_WEBHOOK_ID, woo: config.WOOCOMMERCE_WEBHOOK_SECRET }).toEqual({
    stripe: secrets.STRIPE_WEBHOOK_SECRET,
    paypal: secrets.PAYPAL_WEBHOOK_ID,
    woo: secrets.WOOCOMMERCE_WEBHOOK_SECRET,
  });
  // Set explicitly, they win.
  expect(loadConfig({ JWT_SECRET: jwtSecret, DATABASE_URL: 'postgres://x/billing', KAFKA_BROKERS: 'k:9092', TEMPORAL_ADDRESS: 't:7233', STRIPE_WEBHOOK_SECRET: 'whsec_real' }).STRIPE_WEBHOOK_SECRET).toBe('whsec_real');
});
