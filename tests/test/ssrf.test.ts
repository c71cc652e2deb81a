import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, stack, tokenFor, uniqueId } from '@hourglass/testing';

// Server-side request forgery: two inputs make a service send a request where the caller says. Even on the local
// stack, which lets billing fetch its test signer's certificate over http from this machine and lets notifications
// post to a local Discord stand-in, neither may reach any other path — nor tell the caller what answered.
let listener: Server;
let port: number;
const seen: string[] = [];
beforeAll(async () => {
  listener = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.statusCode = 404;
    res.end('<html>internal admin</html>');
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => listener.close(() => r())));

const paypalWebhook = (certUrl: string) =>
  api(stack.billingUrl, '/webhooks/paypal', {
    method: 'POST',
    body: { id: `WH-${uniqueId()}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: {} },
    headers: { 'paypal-transmission-id': uniqueId(), 'paypal-transmission-time': new Date().toISOString(), 'paypal-transmission-sig': Buffer.from('forged').toString('base64'), 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': certUrl },
  });

test('PayPal: a certificate URL off PayPal’s certificate path is never fetched', async () => {
  for (const url of [`http://127.0.0.1:${port}/internal/admin`, `http://127.0.0.1:${port}/`, `http://localhost:${port}/v1/oauth2/token`, `https://169.254.169.254/latest/meta-data/`]) {
    const res = await paypalWebhook(url);
    expect(res).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    expect(JSON.stringify(res.body)).not.toContain(String(port));
  }
  expect(seen).toEqual([]);
});

test('PayPal: when a fetch fails, the answer is the same whatever answered (no port or path scanner)', async () => {
  const open = await paypalWebhook(`http://127.0.0.1:${port}/v1/notifications/certs/CERT-probe`);
  listener.close();
  const closed = await paypalWebhook(`http://127.0.0.1:${port}/v1/notifications/certs/CERT-probe2`);
  await new Promise<void>((r) => listener.listen(port, '127.0.0.1', r));
  expect(open).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
  expect(closed.status).toBe(400);
  expect(open.body.message).toBe(closed.body.message);
  expect(open.body.message).not.toMatch(/404|answered|refused|ECONN/);
});

test('Discord: only a webhook URL is accepted as a preference (the local stand-in only on its webhook path)', async () => {
  const token = await tokenFor(uniqueId('ssrf'));
  const put = (url: string) => api(stack.notificationsUrl, '/api/users/me/notification-preferences', { method: 'PUT', token, body: { discord_webhook_url: url } });
  for (const url of [`http://127.0.0.1:${port}/anything`, `http://127.0.0.1:${port}/api/webhooks/1/tok/../../x`, `https://discord.com.evil.example/api/webhooks/1/tok`, `http://127.0.0.1:${port}/api/webhooks/1/tok?next=http://x`]) {
    expect({ url, status: (await put(url)).status }).toEqual({ url, status: 422 });
  }
  expect((await put(`http://127.0.0.1:${port}/api/webhooks/123/${'t'.repeat(68)}`)).status).toBe(200);
  expect((await put(`https://discord.com/api/webhooks/123/${'t'.repeat(68)}`)).status).toBe(200);
});
