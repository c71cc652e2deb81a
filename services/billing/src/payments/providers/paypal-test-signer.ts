import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, sign } from 'node:crypto';
import { crc32 } from 'node:zlib';
import selfsigned from 'selfsigned';

/**
 * Signs test webhooks exactly as PayPal does, with a throwaway key and certificate served on this machine.
 * For tests and `npm run pay` only — production accepts certificates from PayPal's hosts alone.
 */
export interface PaypalTestSigner {
  certUrl: string;
  headersFor(body: string, webhookId: string, options?: { transmissionId?: string; time?: string }): Record<string, string>;
  close(): Promise<void>;
}

export async function startPaypalTestSigner(): Promise<PaypalTestSigner> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'hourglass-paypal-test' }], { notAfterDate: new Date(Date.now() + 86_400_000), keySize: 2048 });
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/x-pem-file');
    res.end(pems.cert);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // PayPal's certificate path, which billing requires (on this machine's test port, when configured to allow it).
  const certUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/notifications/certs/CERT-hourglass-test`;
  return {
    certUrl,
    headersFor(body, webhookId, { transmissionId = randomUUID(), time = new Date().toISOString() } = {}) {
      const signed = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body)) >>> 0}`;
      return {
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': sign('sha256', Buffer.from(signed), pems.private).toString('base64'),
        'paypal-cert-url': certUrl,
        'paypal-auth-algo': 'SHA256withRSA',
      };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function paypalCaptureCompleted(captureId: string, customId: object | string | undefined, { eventId = `WH-${randomUUID()}`, amount = '5.99' } = {}) {
  return { id: eventId, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: captureId, status: 'COMPLETED', amount: { value: amount, currency_code: 'USD' }, ...(customId === undefined ? {} : { custom_id: typeof customId === 'string' ? customId : JSON.stringify(customId) }) } };
}

export function paypalCaptureRefunded(captureId: string, { eventId = `WH-${randomUUID()}`, amount = '5.99' } = {}) {
  return { id: eventId, event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: { id: `REF-${randomUUID()}`, amount: { value: amount, currency_code: 'USD' }, links: [{ rel: 'up', href: `https://api.paypal.com/v2/payments/captures/${captureId}` }] } };
}
