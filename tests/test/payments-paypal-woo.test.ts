import { createHmac, randomUUID } from 'node:crypto';
import { paypalCaptureCompleted, paypalCaptureRefunded, startPaypalTestSigner, type PaypalTestSigner } from '@hourglass/billing/testing';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';

// Issue 5 with PayPal (seed 002) and WooCommerce (seed 000): signed the way each provider signs, sent to the
// running billing service; each payment one effect, replays and reorderings harmless, forgeries without effect.
jest.setTimeout(60_000);

let signer: PaypalTestSigner;
beforeAll(async () => {
  signer = await startPaypalTestSigner();
});
afterAll(() => signer?.close());

async function user() {
  const id = uniqueId('pp');
  const token = await tokenFor(id);
  const credits = async () => (await api(stack.billingUrl, '/api/users/credits', { token })).body;
  await credits();
  return { id, token, credits };
}
async function settled() {
  const token = await tokenFor('e2e-admin', 'admin');
  await eventually(async () => {
    const [received, failed] = await Promise.all(['received', 'failed'].map((s) => api(stack.billingUrl, `/admin/payments/events?status=${s}`, { token })));
    return received!.body.items.length === 0 && failed!.body.items.length === 0;
  }, { what: 'the payment inbox to settle' });
}

describe('PayPal', () => {
  const send = (event: object, headers?: Record<string, string>) => {
    const body = JSON.stringify(event);
    return api(stack.billingUrl, '/webhooks/paypal', { method: 'POST', body, headers: { 'content-type': 'application/json', ...(headers ?? signer.headersFor(body, stack.paypalWebhookId)) } });
  };

  test('a capture grants one paid credit; the same event ×10 and a new event for the same capture grant nothing more', async () => {
    const u = await user();
    const capture = `CAP-${randomUUID()}`;
    const event = paypalCaptureCompleted(capture, { u: u.id, k: 'session_credits', q: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(event)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await send({ ...event, id: `WH-${randomUUID()}` });
    await settled();
    expect(await u.credits()).toMatchObject({ paid_remaining: 1 });
  });

  test('refund before completion → nothing; refund after → the credit is removed', async () => {
    const u = await user();
    const early = `CAP-${randomUUID()}`;
    await send(paypalCaptureRefunded(early));
    await settled();
    await send(paypalCaptureCompleted(early, { u: u.id, k: 'session_credits', q: 1 }));
    const late = `CAP-${randomUUID()}`;
    await send(paypalCaptureCompleted(late, { u: u.id, k: 'session_credits', q: 1 }));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(1);
    await send(paypalCaptureRefunded(late));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(0);
  });

  test('an order from POST /api/paypal/orders carries the custom_id the webhook reads: no integrator builds it by hand', async () => {
    const u = await user();
    const headers = { 'idempotency-key': randomUUID() };
    const order = await api(stack.billingUrl, '/api/paypal/orders', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 2 }, headers });
    expect(order).toMatchObject({ status: 201, body: { order_id: null, amount_cents: 1198, custom_id: expect.any(String), order: { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: '11.98' } }] } } });
    expect(order.body.order.purchase_units[0].custom_id).toBe(order.body.custom_id);
    const again = await api(stack.billingUrl, '/api/paypal/orders', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 2 }, headers });
    expect(again.body).toEqual(order.body);
    expect((await api(stack.billingUrl, '/api/paypal/orders', { method: 'POST', token: u.token, body: { kind: 'session_credits', quantity: 3 }, headers })).status).toBe(409);
    expect((await api(stack.billingUrl, '/api/paypal/orders', { method: 'POST', token: u.token, body: { kind: 'extension', session_id: randomUUID(), minutes: 5 } })).status).toBe(403);
    // The buyer pays; PayPal's capture carries the custom_id back.
    const capture = `CAP-${randomUUID()}`;
    await send(paypalCaptureCompleted(capture, order.body.custom_id, { amount: order.body.order.purchase_units[0].amount.value }));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(2);
  });

  test('a 5.99 refund of an 11.98 capture removes one credit of two, not both', async () => {
    const u = await user();
    const capture = `CAP-${randomUUID()}`;
    await send(paypalCaptureCompleted(capture, { u: u.id, k: 'session_credits', q: 2 }, { amount: '11.98' }));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(2);
    await send(paypalCaptureRefunded(capture, { amount: '5.99' }));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(1);
  });

  test('forged signature, wrong webhook id, foreign certificate host, stale time → rejected, no effect', async () => {
    const u = await user();
    const event = paypalCaptureCompleted(`CAP-${randomUUID()}`, { u: u.id, k: 'session_credits', q: 1 });
    const body = JSON.stringify(event);
    const good = signer.headersFor(body, stack.paypalWebhookId);
    expect((await send(event, { ...good, 'paypal-transmission-sig': Buffer.from('nope').toString('base64') })).status).toBe(401);
    expect((await send(event, signer.headersFor(body, 'WH-SOMEONE-ELSE'))).status).toBe(401);
    expect((await send(event, { ...good, 'paypal-cert-url': 'https://paypal.example.net/cert.pem' })).status).toBe(400);
    expect((await send(event, signer.headersFor(body, stack.paypalWebhookId, { time: new Date(Date.now() - 3_600_000).toISOString() }))).status).toBe(400);
    expect((await send(event, {})).status).toBe(400);
    await settled();
    expect((await u.credits()).paid_remaining).toBe(0);
  });
});

describe('WooCommerce', () => {
  let orderId = Math.floor(Math.random() * 1e6);
  const order = (userId: string, status: string, id: number) => ({ id, status, currency: 'USD', meta_data: [{ id: 1, key: 'hourglass_user_id', value: userId }], line_items: [{ id: id * 10, sku: 'HG-SESSION', quantity: 2, total: '11.98' }] });
  const send = (body: object | string, { topic = 'order.updated', secret = stack.wooWebhookSecret, contentType = 'application/json' } = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return api(stack.billingUrl, '/webhooks/woocommerce', {
      method: 'POST',
      body: raw,
      headers: { 'content-type': contentType, 'x-wc-webhook-signature': createHmac('sha256', secret).update(raw).digest('base64'), 'x-wc-webhook-topic': topic, 'x-wc-webhook-delivery-id': randomUUID() },
    });
  };

  test('the creation ping gets 200', async () => {
    const res = await api(stack.billingUrl, '/webhooks/woocommerce', { method: 'POST', body: 'webhook_id=17', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res).toMatchObject({ status: 200, body: { ping: true } });
  });

  test('a paid order grants per SKU once; order.updated after order.created grants nothing more; refunded removes it', async () => {
    const u = await user();
    const id = ++orderId;
    expect((await send(order(u.id, 'processing', id), { topic: 'order.created' })).status).toBe(200);
    await send(order(u.id, 'completed', id), { topic: 'order.updated' });
    await send(order(u.id, 'completed', id), { topic: 'order.updated' });
    await settled();
    expect((await u.credits()).paid_remaining).toBe(2);
    await send(order(u.id, 'refunded', id));
    await settled();
    expect((await u.credits()).paid_remaining).toBe(0);
  });

  test('correctly signed but malformed orders are recorded and acknowledged with the reason, never 500', async () => {
    const u = await user();
    const good = order(u.id, 'processing', ++orderId);
    for (const bad of [{ ...good, meta_data: 'none' }, { ...good, id: ++orderId, line_items: [null] }]) {
      const res = await send(bad);
      expect(res).toMatchObject({ status: 200, body: { received: true, unprocessable: [{ reason: expect.stringMatching(/^not a WooCommerce order/) }] } });
    }
    await settled();
    expect((await u.credits()).paid_remaining).toBe(0);
  });

  test('forged or malformed deliveries → 401/400 and no effect', async () => {
    const u = await user();
    expect((await send(order(u.id, 'processing', ++orderId), { secret: 'not-the-secret' })).status).toBe(401);
    expect((await send('{"id": 1,')).status).toBe(400);
    await settled();
    expect((await u.credits()).paid_remaining).toBe(0);
  });
});
