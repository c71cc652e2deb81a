import { paypalCaptureCompleted, paypalCaptureRefunded, startPaypalTestSigner, type PaypalTestSigner } from '../src/payments/providers/paypal-test-signer';
import { parseCustomId, toCents, verifyPaypalWebhook, type PaypalConfig } from '../src/payments/providers/paypal';

const webhookId = 'WH-TEST-123';
let signer: PaypalTestSigner;
let config: PaypalConfig;
beforeAll(async () => {
  signer = await startPaypalTestSigner();
  config = { webhookId, allowedCertHosts: ['api.paypal.com', '127.0.0.1'], allowInsecureCertUrl: true };
});
afterAll(() => signer?.close());

const signed = (event: object, options?: Parameters<PaypalTestSigner['headersFor']>[2]) => {
  const body = JSON.stringify(event);
  return { raw: Buffer.from(body), headers: signer.headersFor(body, webhookId, options) };
};

test('a signed capture becomes a payment with exact cents', async () => {
  const { raw, headers } = signed(paypalCaptureCompleted('CAP-1', { u: 'user-1', k: 'session_credits', q: 2 }, { eventId: 'WH-1', amount: '11.98' }));
  expect(await verifyPaypalWebhook(raw, headers, config)).toEqual({
    provider: 'paypal',
    eventId: 'WH-1',
    eventType: 'PAYMENT.CAPTURE.COMPLETED',
    action: { type: 'paid', businessKey: 'CAP-1', userId: 'user-1', product: { kind: 'session_credits', quantity: 2 }, amountCents: 1198, currency: 'usd', payerEmail: null },
  });
});

test('refunds point at their capture (up link); reversals are the capture', async () => {
  const refunded = signed(paypalCaptureRefunded('CAP-9'));
  expect((await verifyPaypalWebhook(refunded.raw, refunded.headers, config)).action).toEqual({ type: 'refunded', businessKey: 'CAP-9', amountCents: 599, totalRefundedCents: null, refundId: expect.stringMatching(/^REF-/) });
  const reversed = signed({ id: 'WH-R', event_type: 'PAYMENT.CAPTURE.REVERSED', resource: { id: 'CAP-8' } });
  expect((await verifyPaypalWebhook(reversed.raw, reversed.headers, config)).action).toEqual({ type: 'refunded', businessKey: 'CAP-8', amountCents: null });
});

test('forged, altered, foreign or stale requests are rejected', async () => {
  const event = paypalCaptureCompleted('CAP-2', { u: 'user-1', k: 'session_credits', q: 1 });
  const good = signed(event);
  const reject = (raw: Buffer, headers: Record<string, string>, c: PaypalConfig = config) => verifyPaypalWebhook(raw, headers, c).then(() => 'accepted', (e) => e.status);
  expect(await reject(Buffer.from(JSON.stringify({ ...event, id: 'changed' })), good.headers)).toBe(401);
  expect(await reject(good.raw, { ...good.headers, 'paypal-transmission-sig': Buffer.from('forged').toString('base64') })).toBe(401);
  expect(await reject(good.raw, good.headers, { ...config, webhookId: 'WH-OTHER' })).toBe(401);
  const stale = signed(event, { time: new Date(Date.now() - 10 * 60_000).toISOString() });
  expect(await reject(stale.raw, stale.headers)).toBe(400);
  const { 'paypal-transmission-id': _omit, ...missing } = good.headers;
  expect(await reject(good.raw, missing)).toBe(400);
  expect(await reject(good.raw, { ...good.headers, 'paypal-cert-url': 'https://evil.example.com/cert.pem' })).toBe(400);
  expect(await reject(good.raw, good.headers, { ...config, allowInsecureCertUrl: false })).toBe(400);
  const malformed = Buffer.from('{"id": ');
  expect(await reject(malformed, signer.headersFor('{"id": ', webhookId))).toBe(400);
  expect(await reject(good.raw, good.headers)).toBe('accepted');
});

test('a certificate URL that is not PayPal’s is refused before any request leaves, and a failed fetch tells nothing about what answered', async () => {
  const fetched: string[] = [];
  const spying: PaypalConfig = { ...config, allowInsecureCertUrl: false, allowedCertHosts: ['api.paypal.com', 'api-m.paypal.com'], fetchCert: async (url) => { fetched.push(url); throw new Error('certificate URL answered 404 from 10.0.0.7'); } };
  const event = paypalCaptureCompleted('CAP-5', { u: 'user-1', k: 'session_credits', q: 1 });
  const good = signed(event);
  const withUrl = (url: string) => verifyPaypalWebhook(good.raw, { ...good.headers, 'paypal-cert-url': url }, spying).then(() => 'accepted', (e: { status: number; message: string }) => `${e.status} ${e.message}`);
  for (const url of [
    'http://127.0.0.1:5432/anything',
    'http://api.paypal.com/v1/notifications/certs/CERT-1',
    'https://api.paypal.com:8443/v1/notifications/certs/CERT-1',
    'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1',
    'https://user:pass@api.paypal.com/v1/notifications/certs/CERT-1',
    'https://api.paypal.com/v1/oauth2/token',
    'https://api.paypal.com/v1/notifications/certs/CERT-1?x=1',
    'https://api.paypal.com/v1/notifications/certs/../../admin',
    'file:///etc/passwd',
  ]) {
    expect(await withUrl(url)).toMatch(/^400 /);
  }
  expect(fetched).toEqual([]);
  // PayPal's own URL is fetched; what went wrong stays in the log, not in the answer.
  const answer = await withUrl('https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77');
  expect(fetched).toEqual(['https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77']);
  expect(answer).toBe('400 the signing certificate could not be obtained');
});

test("a partial refund says how much went back, and the capture's running total when PayPal gives it", async () => {
  const part = signed(paypalCaptureRefunded('CAP-10', { amount: '5.99' }));
  expect((await verifyPaypalWebhook(part.raw, part.headers, config)).action).toMatchObject({ type: 'refunded', businessKey: 'CAP-10', amountCents: 599, totalRefundedCents: null });
  const withTotal = paypalCaptureRefunded('CAP-10', { amount: '2.00' });
  const totalled = signed({ ...withTotal, resource: { ...withTotal.resource, seller_payable_breakdown: { total_refunded_amount: { value: '7.99', currency_code: 'USD' } } } });
  expect((await verifyPaypalWebhook(totalled.raw, totalled.headers, config)).action).toMatchObject({ amountCents: 200, totalRefundedCents: 799 });
});

test('signed but unreadable events are recorded as unprocessable, never thrown', async () => {
  for (const body of [{}, [], { id: 'WH-1' }, { id: 'WH-2', event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: null }, { id: 'WH-3', event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: { links: 'none' } }]) {
    const s = signed(body);
    expect((await verifyPaypalWebhook(s.raw, s.headers, config)).action).toMatchObject({ type: 'unprocessable', reason: expect.any(String) });
  }
});

test('unattributable captures are unprocessable (money naming no one); unknown types are ignored', async () => {
  const noCustom = signed(paypalCaptureCompleted('CAP-3', undefined));
  expect((await verifyPaypalWebhook(noCustom.raw, noCustom.headers, config)).action.type).toBe('unprocessable');
  const other = signed({ id: 'WH-X', event_type: 'CHECKOUT.ORDER.APPROVED', resource: {} });
  expect((await verifyPaypalWebhook(other.raw, other.headers, config)).action).toEqual({ type: 'ignored', reason: 'event type CHECKOUT.ORDER.APPROVED is not handled' });
});

test('custom_id and amounts parse strictly', () => {
  expect(toCents('5.99')).toBe(599);
  expect(toCents('10')).toBe(1000);
  expect(toCents('0.5')).toBe(50);
  expect(toCents('abc')).toBe(0);
  expect(parseCustomId('{"u":"a","k":"extension","s":"s-1","m":15}')).toEqual({ userId: 'a', product: { kind: 'extension', sessionId: 's-1', minutes: 15 } });
  expect(parseCustomId('{"u":"a","k":"session_credits","q":0}')).toBeNull();
  expect(parseCustomId('not json')).toBeNull();
});
