// What every payment provider's webhook becomes once verified: one normalised event. Provider modules
// (providers/<name>.ts) only verify and translate; the inbox (payments/inbox.ts) stores and applies.

export type Provider = 'stripe' | 'paypal' | 'woocommerce';

/** What a payment bought. Quantities are whole credits; minutes are whole minutes of one session. */
export type Product =
  | { kind: 'session_credits'; quantity: number }
  | { kind: 'extension'; sessionId: string; minutes: number }
  | { kind: 'pack'; sessions: number; mentorId: string | null };

export type PaymentAction =
  /** Money arrived for `businessKey` (order id, capture id, payment intent): grant `product` to `userId` once. */
  | { type: 'paid'; businessKey: string; userId: string; product: Product; amountCents: number; currency: string }
  /** Money went back for `businessKey`: reverse what it granted, if still unredeemed. */
  | { type: 'refunded'; businessKey: string; amountCents: number | null }
  /** Verified, recorded, and deliberately without effect (unknown type, unpaid order, …). */
  | { type: 'ignored'; reason: string };

export interface VerifiedEvent {
  provider: Provider;
  /** The provider's own event id: the same delivery twice has the same id. */
  eventId: string;
  eventType: string;
  action: PaymentAction;
}

/** A request that must change nothing: bad or missing signature, stale timestamp, unparsable body. → 400/401. */
export class WebhookRejected extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

/** Headers as express gives them: lower-case names. */
export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
