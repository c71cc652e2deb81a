import { createHmac } from 'node:crypto';
import { isWooPing, verifyWooWebhook, type WooConfig } from '../src/payments/providers/woocommerce';

const config: WooConfig = { secret: 'woo-secret', skus: { 'HG-SESSION': { kind: 'session_credits', quantity: 1 }, 'HG-PACK-4': { kind: 'pack', sessions: 4 } } };
const order = (status: string, lines: Array<{ id: number; sku: string; quantity: number; total: string }>, user: string | null = 'user-1') => ({
  id: 1001,
  status,
  currency: 'USD',
  meta_data: user ? [{ id: 7, key: 'hourglass_user_id', value: user }] : [],
  line_items: lines,
});
const deliver = (body: object, topic = 'order.updated', secret = config.secret) => {
  const raw = Buffer.from(JSON.stringify(body));
  return { raw, headers: { 'x-wc-webhook-signature': createHmac('sha256', secret).update(raw).digest('base64'), 'x-wc-webhook-topic': topic, 'x-wc-webhook-delivery-id': String(Math.random()) } };
};
const lines = [{ id: 1, sku: 'HG-SESSION', quantity: 3, total: '17.97' }, { id: 2, sku: 'HG-PACK-4', quantity: 1, total: '199.00' }];

test('a paid order yields one event per line item (per unit for packs) with exact amounts', () => {
  const { raw, headers } = deliver(order('processing', lines), 'order.created');
  const events = verifyWooWebhook(raw, headers, config);
  expect(events.map((e) => [e.eventId, e.action])).toEqual([
    ['woo:1001:1:paid', { type: 'paid', businessKey: '1001:1', userId: 'user-1', product: { kind: 'session_credits', quantity: 3 }, amountCents: 1797, currency: 'usd', payerEmail: null }],
    ['woo:1001:2:0:paid', { type: 'paid', businessKey: '1001:2:0', userId: 'user-1', product: { kind: 'pack', sessions: 4, mentorId: null }, amountCents: 19900, currency: 'usd', payerEmail: null }],
  ]);
});

test('the same order again, or order.updated after order.created, gives the same event ids', () => {
  const a = deliver(order('processing', lines), 'order.created');
  const b = deliver(order('completed', lines), 'order.updated');
  expect(verifyWooWebhook(b.raw, b.headers, config).map((e) => e.eventId)).toEqual(verifyWooWebhook(a.raw, a.headers, config).map((e) => e.eventId));
});

test('a refunded order reverses the same business keys', () => {
  const { raw, headers } = deliver(order('refunded', lines));
  expect(verifyWooWebhook(raw, headers, config).map((e) => e.action)).toEqual([
    { type: 'refunded', businessKey: '1001:1', amountCents: null },
    { type: 'refunded', businessKey: '1001:2:0', amountCents: null },
  ]);
});

test('forged, wrong-secret or unsigned deliveries → 401; malformed JSON → 400', () => {
  const good = deliver(order('processing', lines));
  const status = (raw: Buffer, headers: Record<string, string>) => {
    try {
      verifyWooWebhook(raw, headers, config);
      return 'accepted';
    } catch (e) {
      return (e as { status: number }).status;
    }
  };
  expect(status(good.raw, good.headers)).toBe('accepted');
  const wrong = deliver(order('processing', lines), 'order.updated', 'other-secret');
  expect(status(wrong.raw, wrong.headers)).toBe(401);
  expect(status(Buffer.from(good.raw.toString().replace('17.97', '0.01')), good.headers)).toBe(401);
  const { 'x-wc-webhook-signature': _s, ...unsigned } = good.headers;
  expect(status(good.raw, unsigned)).toBe(401);
  const bad = Buffer.from('{"id": 1,');
  expect(status(bad, { ...good.headers, 'x-wc-webhook-signature': createHmac('sha256', config.secret).update(bad).digest('base64') })).toBe(400);
});

test("the mentor meta key names a pack's mentor; the billing email is the payer's", () => {
  const body = { ...order('processing', lines), billing: { email: 'payer@example.com' }, meta_data: [{ id: 7, key: 'hourglass_user_id', value: 'user-1' }, { id: 8, key: 'hourglass_mentor_id', value: 'mentor-9' }] };
  const { raw, headers } = deliver(body);
  expect(verifyWooWebhook(raw, headers, config).map((e) => e.action)).toEqual([
    expect.objectContaining({ product: { kind: 'session_credits', quantity: 3 }, payerEmail: 'payer@example.com' }),
    expect.objectContaining({ product: { kind: 'pack', sessions: 4, mentorId: 'mentor-9' } }),
  ]);
});

test('signed but malformed orders are recorded as unprocessable with the reason, never thrown', () => {
  const bodies = [
    { ...order('processing', lines), meta_data: 'none' },
    { ...order('processing', lines), line_items: [null] },
    { ...order('processing', lines), line_items: 'x' },
    { id: 'x', status: 'processing' },
    [],
    null,
  ];
  for (const body of bodies) {
    const { raw, headers } = deliver(body as object);
    const events = verifyWooWebhook(raw, headers, config);
    expect(events).toHaveLength(1);
    expect(events[0]!.action).toEqual({ type: 'unprocessable', reason: expect.stringMatching(/^not a WooCommerce order: /) });
  }
  // The same malformed delivery again is the same event (stored once).
  const again = deliver({ ...order('processing', lines), meta_data: 'none' });
  expect(verifyWooWebhook(again.raw, again.headers, config)[0]!.eventId).toBe(verifyWooWebhook(again.raw, again.headers, config)[0]!.eventId);
});

test('unknown SKUs and unpaid states are ignored; a paid order naming no user is unprocessable', () => {
  const unknown = deliver(order('processing', [{ id: 3, sku: 'OTHER', quantity: 1, total: '1.00' }]));
  expect(verifyWooWebhook(unknown.raw, unknown.headers, config)[0]!.action.type).toBe('ignored');
  const anonymous = deliver(order('processing', lines, null));
  expect(verifyWooWebhook(anonymous.raw, anonymous.headers, config)[0]!.action.type).toBe('unprocessable');
  const pending = deliver(order('pending', lines));
  expect(verifyWooWebhook(pending.raw, pending.headers, config)[0]!.action).toEqual({ type: 'ignored', reason: 'order 1001 is pending' });
});

test('the creation ping is recognised', () => {
  expect(isWooPing(Buffer.from('webhook_id=42'), { 'content-type': 'application/x-www-form-urlencoded' })).toBe(true);
  expect(isWooPing(Buffer.from('{"id":1}'), { 'content-type': 'application/json' })).toBe(false);
});
