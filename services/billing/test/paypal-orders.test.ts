import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { billingMigrations } from '../src/adapters/database';
import { customIdOf, paypalOrder, type PaypalApiConfig } from '../src/payments/paypal-orders';
import { parseCustomId } from '../src/payments/providers/paypal';

// With PayPal credentials, orders are created through PayPal's Orders API: here a PayPal-compatible HTTP server that
// checks the OAuth client credentials and honours PayPal-Request-Id (PayPal's idempotency), as PayPal does.
jest.setTimeout(60_000);
let db: ThrowawayDatabase;
let server: Server;
let api: PaypalApiConfig;
const orders = new Map<string, { id: string; body: any }>();
const seen: Array<{ path: string; auth: string | undefined; requestId: string | undefined }> = [];
beforeAll(async () => {
  db = await throwawayDatabase('paypal_orders', billingMigrations);
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, requestId: req.headers['paypal-request-id'] as string | undefined });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/oauth2/token') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('client-1:secret-1').toString('base64')}` && raw === 'grant_type=client_credentials';
        res.writeHead(ok ? 200 : 401).end(JSON.stringify(ok ? { access_token: 'A21-token', token_type: 'Bearer' } : { error: 'invalid_client' }));
        return;
      }
      if (req.url === '/v2/checkout/orders' && req.headers.authorization === 'Bearer A21-token') {
        const key = String(req.headers['paypal-request-id']);
        const order = orders.get(key) ?? { id: `ORDER-${orders.size + 1}`, body: JSON.parse(raw) };
        orders.set(key, order);
        res.writeHead(201).end(JSON.stringify({ id: order.id, status: 'CREATED', links: [{ rel: 'approve', href: `https://www.sandbox.paypal.com/checkoutnow?token=${order.id}` }] }));
        return;
      }
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = { apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clientId: 'client-1', clientSecret: 'secret-1' };
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  await db?.drop();
});

const prices = { sessionCents: 599, extensionCentsPerMinute: 40, packCents: 19900 };

test('the custom_id our webhook reads back names the user and what was bought', () => {
  for (const product of [{ kind: 'session_credits', quantity: 3 }, { kind: 'extension', sessionId: randomUUID(), minutes: 5 }, { kind: 'pack', sessions: 4, mentorId: 'm-1' }] as const) {
    expect(parseCustomId(customIdOf('user-1', product))).toEqual({ userId: 'user-1', product });
  }
  expect(() => customIdOf('u'.repeat(128), { kind: 'session_credits', quantity: 1 })).toThrow(/custom_id/);
});

test('with credentials: created at PayPal once per Idempotency-Key, with the approve link and the custom_id', async () => {
  const key = randomUUID();
  const first = await paypalOrder({ pool: db.pool, prices, paypal: api }, 'user-2', { kind: 'session_credits', quantity: 2 }, key);
  expect(first).toMatchObject({ order_id: 'ORDER-1', url: 'https://www.sandbox.paypal.com/checkoutnow?token=ORDER-1', amount_cents: 1198, custom_id: '{"u":"user-2","k":"session_credits","q":2}' });
  expect(orders.get(seen.at(-1)!.requestId!)!.body).toEqual({ intent: 'CAPTURE', purchase_units: [{ custom_id: first.custom_id, description: 'Session credit', amount: { currency_code: 'USD', value: '11.98' } }] });
  const again = await paypalOrder({ pool: db.pool, prices, paypal: api }, 'user-2', { kind: 'session_credits', quantity: 2 }, key);
  expect(again).toEqual(first);
  expect(orders.size).toBe(1);
  await expect(paypalOrder({ pool: db.pool, prices, paypal: api }, 'user-2', { kind: 'session_credits', quantity: 5 }, key)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
});

test('PayPal refusing the credentials → 503 UNAVAILABLE (nothing stored: the same key may be sent again)', async () => {
  const key = randomUUID();
  await expect(paypalOrder({ pool: db.pool, prices, paypal: { ...api, clientSecret: 'wrong' } }, 'user-3', { kind: 'session_credits', quantity: 1 }, key)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  const ok = await paypalOrder({ pool: db.pool, prices, paypal: api }, 'user-3', { kind: 'session_credits', quantity: 1 }, key);
  expect(ok.order_id).toMatch(/^ORDER-/);
});
