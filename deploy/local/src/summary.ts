import path from 'node:path';
import type { Stack } from './stack';
import { devToken } from './tokens';
import { webhookSecrets } from './webhook-secrets';

/** The block `npm start` prints once everything is up: every URL, where the logs are, dev tokens. */
export async function renderSummary(stack: Stack): Promise<string> {
  const s = stack.settings;
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  const [userToken, adminToken] = await Promise.all([devToken('dev-user', 'user', s.jwtSecret), devToken('dev-admin', 'admin', s.jwtSecret)]);
  const pad = (label: string) => `  ${label.padEnd(24)}`;
  const lines: string[] = ['', 'Hourglass is running', ''];
  lines.push('APIs');
  for (const i of s.instances) {
    const skipped = stack.skipped.find((k) => k.instance.name === i.name);
    const url = `http://${s.host}:${s.servicePorts[i.name]}`;
    lines.push(`${pad(i.name)}${url}${skipped ? `   (not started: ${skipped.reason})` : ''}`);
  }
  if (stack.balancers.length > 0) {
    lines.push('', 'Load balancers (round-robin over the replicas; these are the APIs\' URLs)');
    for (const b of stack.balancers) lines.push(`${pad(b.name)}${b.url} → ${b.upstreams.join(', ')}`);
  }
  const sessionsUrl = stack.apiUrls.SESSIONS_URL;
  if (sessionsUrl) {
    lines.push('', 'Web');
    lines.push(`${pad("Operators' console")}${sessionsUrl}/console/   (log in with the admin token below)`);
    lines.push(`${pad('Live session demo')}${sessionsUrl}/demo/sessions/<id>#token=<user token>`);
    lines.push(`${pad('API docs')}${sessionsUrl}/docs, ${stack.apiUrls.BILLING_URL ?? ''}/docs, ${stack.apiUrls.NOTIFICATIONS_URL ?? ''}/docs`);
  }
  const billing = stack.apiUrls.BILLING_URL;
  if (billing) {
    const secrets = webhookSecrets(s.jwtSecret);
    lines.push('', 'Payments (docs/payments.md; `npm run pay -- …` sends correctly signed webhooks)');
    lines.push(`${pad('Stripe webhook')}${billing}/webhooks/stripe   signing secret ${secrets.STRIPE_WEBHOOK_SECRET}`);
    lines.push(`${pad('PayPal webhook')}${billing}/webhooks/paypal   webhook id ${secrets.PAYPAL_WEBHOOK_ID} (certificates from 127.0.0.1 allowed)`);
    lines.push(`${pad('WooCommerce webhook')}${billing}/webhooks/woocommerce   secret ${secrets.WOOCOMMERCE_WEBHOOK_SECRET}`);
  }
  lines.push('', 'Infrastructure');
  if (stack.temporal.uiUrl) lines.push(`${pad('Temporal UI')}${stack.temporal.uiUrl}`);
  lines.push(`${pad('Temporal')}${stack.temporal.address} (namespace ${stack.temporal.namespace})`);
  lines.push(`${pad('Kafka')}${stack.kafka.brokers}`);
  lines.push(`${pad('Postgres (admin)')}${stack.postgres.url()}`);
  for (const [db, url] of Object.entries(stack.databaseUrls)) lines.push(`${pad(`Postgres ${db}`)}${url}`);
  lines.push(`${pad('stripe-mock')}${stack.stripeMock.url}  (any key, e.g. sk_test_123)`);
  if (stack.mail) lines.push(`${pad('Mail (dev sink)')}${stack.mail.url} → ${rel(stack.mail.dir)}/*.eml`);
  lines.push('', 'Files');
  lines.push(`${pad('logs')}${rel(s.logDir)}/`);
  lines.push(`${pad('state')}${rel(s.dataDir)}/  (delete it to start from scratch)`);
  lines.push('', `Dev tokens (HS256, secret ${s.jwtSecret === 'hourglass-dev-secret' ? 'hourglass-dev-secret' : 'from JWT_SECRET'}, valid 30 days)`);
  lines.push(`${pad('user  (sub dev-user)')}${userToken}`);
  lines.push(`${pad('admin (sub dev-admin)')}${adminToken}`);
  const sessions = stack.apiUrls.SESSIONS_URL;
  if (sessions) {
    lines.push(
      '  try:',
      `    export TOKEN=${userToken}`,
      `    curl -s -X POST ${sessions}/api/sessions -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"mode":"intake"}'`,
      `    curl -s ${sessions}/api/sessions/<id> -H "Authorization: Bearer $TOKEN"`,
    );
  }
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}
