// What every payment provider's webhook becomes once verified: one normalised event. Provider modules
// (providers/<name>.ts) only verify and translate; the inbox (payments/inbox.ts) stores and applies.

export type Provider = 'stripe' | 'paypal' | 'woocommerce';

/** What a payment bought. Quantities are whole credits; minutes are whole minutes of one session. */
export type Product =
  | { kind: 'session_credits'; quantity: number }
  | { kind: 'extension'; sessionId: string; minutes: number }
  | { kind: 'pack'; sessions: number; mentorId: string | null };

export type PaymentAction =
  /**
   * Money arrived for `businessKey` (order id, capture id, payment intent): grant `product` to `userId` once.
   * `payerEmail` is the address the provider knows the payer by, when it says (payment messages can go there).
   */
  | { type: 'paid'; businessKey: string; userId: string; product: Product; amountCents: number; currency: string; payerEmail?: string | null }
  /**
   * Money went back for `businessKey`: reverse what the refunded amount paid for, if still unredeemed.
   * `totalRefundedCents`: everything refunded on the payment so far, when the provider says (Stripe's
   * `amount_refunded`, PayPal's `total_refunded_amount`); else `amountCents` is this one refund, named `refundId`.
   * Neither (null): the whole payment went back.
   */
  | { type: 'refunded'; businessKey: string; amountCents: number | null; totalRefundedCents?: number | null; refundId?: string | null }
  /** Verified, recorded, and deliberately without effect (unknown type, unpaid order, …). */
  | { type: 'ignored'; reason: string }
  /**
   * Correctly signed, but its content cannot be applied (malformed, or money that names no user or product): recorded
   * and acknowledged so the provider stops retrying, and left for a person (`status=unprocessable`).
   */
  | { type: 'unprocessable'; reason: string };

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
