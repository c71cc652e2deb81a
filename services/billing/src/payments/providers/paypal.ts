import { X509Certificate, verify } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { SUBJECT_PATTERN } from '@hourglass/auth';
import { header, WebhookRejected, type Headers, type PaymentAction, type Product, type VerifiedEvent } from '../types';
import { describeIssues, digestOf } from './malformed';

export interface PaypalConfig {
  webhookId: string;
  /** Hosts certificates may be fetched from (PayPal's own in production). */
  allowedCertHosts: string[];
  /** Test/dev only: allow an http:// certificate URL (the local stack's test signer on this machine). */
  allowInsecureCertUrl?: boolean;
  fetchCert?: (url: string) => Promise<string>;
  /** Where a failed fetch is told (never the caller: the answer would map this network for them). */
  log?: (details: Record<string, unknown>, message: string) => void;
}

const MAX_SKEW_MS = 5 * 60_000;
/** Where PayPal publishes its webhook signing certificates, e.g. https://api.paypal.com/v1/notifications/certs/CERT-360caa42-… */
export const PAYPAL_CERT_PATH = /^\/v1\/notifications\/certs\/[A-Za-z0-9._-]{1,128}$/;
const MAX_CERT_BYTES = 16 * 1024;
const certCache = new Map<string, Promise<string>>();

async function defaultFetchCert(url: string): Promise<string> {
  let pending = certCache.get(url);
  if (!pending) {
    // No redirects (a PayPal URL must not lead elsewhere), a few seconds, a certificate's size at most.
    pending = fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) }).then(async (r) => {
      if (!r.ok) throw new Error(`certificate URL answered ${r.status}`);
      const body = Buffer.from(await r.arrayBuffer());
      if (body.length > MAX_CERT_BYTES) throw new Error(`certificate larger than ${MAX_CERT_BYTES} bytes`);
      return body.toString('utf8');
    });
    certCache.set(url, pending);
    pending.catch(() => certCache.delete(url));
  }
  return pending;
}

/**
 * The certificate URL a webhook names is fetched only when it is PayPal's: https (http only when configured for the
 * local stack's test signer), a configured host on its default port, PayPal's certificate path, no credentials, no
 * query. Anything else is refused before any request leaves, with a message that says what was wrong with the URL
 * and nothing about what is behind it.
 */
export function certUrlProblem(certUrl: string, config: Pick<PaypalConfig, 'allowedCertHosts' | 'allowInsecureCertUrl'>): string | null {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return 'invalid certificate URL';
  }
  if (url.protocol !== 'https:' && !(config.allowInsecureCertUrl && url.protocol === 'http:')) return 'certificate URL must be https';
  if (!config.allowedCertHosts.includes(url.hostname)) return "certificate URL is not on PayPal's hosts";
  // The local test signer listens on a port of its own; PayPal's hosts only on the default one.
  if (url.port !== '' && !(config.allowInsecureCertUrl && url.protocol === 'http:')) return "certificate URL is not on PayPal's hosts";
  if (url.username || url.password || url.search || url.hash || !PAYPAL_CERT_PATH.test(url.pathname)) return "certificate URL is not a PayPal certificate path";
  return null;
}

/**
 * Verifies a PayPal webhook the way PayPal documents it: the signed string is
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`, signed SHA256withRSA with the
 * key of the certificate at PAYPAL-CERT-URL, which must be one of PayPal's hosts.
 */
export async function verifyPaypalWebhook(rawBody: Buffer, headers: Headers, config: PaypalConfig): Promise<VerifiedEvent> {
  const transmissionId = header(headers, 'paypal-transmission-id');
  const time = header(headers, 'paypal-transmission-time');
  const signature = header(headers, 'paypal-transmission-sig');
  const certUrl = header(headers, 'paypal-cert-url');
  const algo = header(headers, 'paypal-auth-algo');
  if (!transmissionId || !time || !signature || !certUrl || !algo) throw new WebhookRejected('missing PayPal transmission headers', 400);
  if (algo !== 'SHA256withRSA') throw new WebhookRejected(`unsupported auth algorithm ${algo}`, 400);

  const problem = certUrlProblem(certUrl, config);
  if (problem) throw new WebhookRejected(problem, 400);
  const sentAt = Date.parse(time);
  if (Number.isNaN(sentAt) || Math.abs(Date.now() - sentAt) > MAX_SKEW_MS) throw new WebhookRejected('stale or invalid transmission time', 400);

  let pem: string;
  try {
    pem = await (config.fetchCert ?? defaultFetchCert)(new URL(certUrl).toString());
  } catch (e) {
    config.log?.({ err: e, cert_url: certUrl }, 'PayPal certificate could not be fetched');
    throw new WebhookRejected('the signing certificate could not be obtained', 400);
  }
  const signed = `${transmissionId}|${time}|${config.webhookId}|${crc32(rawBody) >>> 0}`;
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(signed), new X509Certificate(pem).publicKey, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new WebhookRejected('PayPal signature does not verify', 401);

  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON', 400);
  }
  const envelope = paypalEnvelope.safeParse(body);
  if (!envelope.success) {
    // Signed by PayPal but not an event we can read: recorded and acknowledged, never a 5xx PayPal would retry.
    return { provider: 'paypal', eventId: `malformed:${digestOf(rawBody)}`, eventType: 'malformed', action: { type: 'unprocessable', reason: `not a PayPal event: ${describeIssues(envelope.error)}` } };
  }
  return { provider: 'paypal', eventId: envelope.data.id, eventType: envelope.data.event_type, action: actionOf(envelope.data.event_type, envelope.data.resource) };
}

const paypalEnvelope = z.object({ id: z.string().min(1).max(255), event_type: z.string().min(1).max(200), resource: z.unknown() });
const money = z.object({ value: z.string(), currency_code: z.string().optional() }).loose();
const capture = z.object({ id: z.string().min(1), custom_id: z.string().optional(), amount: money.optional(), payer: z.object({ email_address: z.string().optional() }).loose().optional() }).loose();
const refund = z
  .object({
    id: z.string().min(1).optional(),
    amount: money.optional(),
    seller_payable_breakdown: z.object({ total_refunded_amount: money.optional() }).loose().optional(),
    links: z.array(z.object({ rel: z.string().optional(), href: z.string().optional() }).loose()).optional(),
  })
  .loose();

/** "5.99" → 599, exactly (no floating point). */
export function toCents(value: unknown): number {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value ?? ''));
  if (!m) return 0;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

function actionOf(type: string, resource: unknown): PaymentAction {
  switch (type) {
    case 'PAYMENT.CAPTURE.COMPLETED': {
      const parsed = capture.safeParse(resource);
      if (!parsed.success) return { type: 'unprocessable', reason: `capture without a readable resource: ${describeIssues(parsed.error)}` };
      const c = parsed.data;
      const attribution = parseCustomId(c.custom_id);
      if (!attribution) return { type: 'unprocessable', reason: `capture ${c.id} has no valid custom_id: it names no user or product` };
      return { type: 'paid', businessKey: c.id, userId: attribution.userId, product: attribution.product, amountCents: toCents(c.amount?.value), currency: String(c.amount?.currency_code ?? 'USD').toLowerCase(), payerEmail: c.payer?.email_address ?? null };
    }
    case 'PAYMENT.CAPTURE.REFUNDED': {
      const parsed = refund.safeParse(resource);
      if (!parsed.success) return { type: 'unprocessable', reason: `refund without a readable resource: ${describeIssues(parsed.error)}` };
      const r = parsed.data;
      const up = (r.links ?? []).find((l) => l.rel === 'up');
      const captureId = up?.href ? String(up.href).split('/').filter(Boolean).pop() : undefined;
      if (!captureId) return { type: 'unprocessable', reason: 'refund without a link to its capture' };
      // A refund resource is one refund (a capture may have several); its breakdown says the capture's total so far.
      const total = r.seller_payable_breakdown?.total_refunded_amount?.value;
      return { type: 'refunded', businessKey: captureId, amountCents: r.amount ? toCents(r.amount.value) : null, totalRefundedCents: total !== undefined ? toCents(total) : null, refundId: r.id ?? null };
    }
    case 'PAYMENT.CAPTURE.REVERSED': {
      const parsed = z.object({ id: z.string().min(1) }).loose().safeParse(resource);
      if (!parsed.success) return { type: 'unprocessable', reason: `reversal without a capture id: ${describeIssues(parsed.error)}` };
      return { type: 'refunded', businessKey: parsed.data.id, amountCents: null };
    }
    default:
      return { type: 'ignored', reason: `event type ${type} is not handled` };
  }
}

/** Our orders carry `{"u":user,"k":kind,…}` in custom_id (≤ 127 chars). */
export function parseCustomId(customId: unknown): { userId: string; product: Product } | null {
  if (typeof customId !== 'string') return null;
  let c: any;
  try {
    c = JSON.parse(customId);
  } catch {
    return null;
  }
  const positive = (n: unknown) => (Number.isInteger(n) && (n as number) > 0 ? (n as number) : null);
  if (typeof c?.u !== 'string' || !SUBJECT_PATTERN.test(c.u)) return null;
  if (c.k === 'session_credits' && positive(c.q)) return { userId: c.u, product: { kind: 'session_credits', quantity: c.q } };
  if (c.k === 'extension' && typeof c.s === 'string' && positive(c.m)) return { userId: c.u, product: { kind: 'extension', sessionId: c.s, minutes: c.m } };
  if (c.k === 'pack' && positive(c.n)) return { userId: c.u, product: { kind: 'pack', sessions: c.n, mentorId: typeof c.mentor === 'string' ? c.mentor : null } };
  return null;
}
