// PayPal part of `npm run pay`: signs with a throwaway certificate served on this machine while the request runs
// (the local stack allows certificates from 127.0.0.1; production only PayPal's hosts).
import { paypalCaptureCompleted, paypalCaptureRefunded, startPaypalTestSigner } from '@hourglass/billing/testing';

export async function sendSignedPaypalWebhook(o: { billingUrl: string; webhookId: string; kind: string; user?: string; capture: string }) {
  const signer = await startPaypalTestSigner();
  try {
    let event: object;
    if (o.kind === 'capture') {
      if (!o.user) throw new Error('--user is required for paypal capture');
      event = paypalCaptureCompleted(o.capture, { u: o.user, k: 'session_credits', q: 1 });
    } else if (o.kind === 'refund') event = paypalCaptureRefunded(o.capture);
    else throw new Error('paypal events: capture, refund');
    const body = JSON.stringify(event);
    const res = await fetch(new URL('/webhooks/paypal', o.billingUrl), { method: 'POST', body, headers: { 'content-type': 'application/json', ...signer.headersFor(body, o.webhookId) } });
    console.log(`${res.status} ${await res.text()}`);
  } finally {
    await signer.close();
  }
}
