// Pure refund arithmetic: how much of a payment went back, and how many of its credits that pays for. No I/O.

export interface RefundState {
  /** Everything known refunded so far, in cents. */
  refundedCents: number;
  /** The whole payment went back (the provider said so, or gave no amount). */
  fullyRefunded: boolean;
  /** Refunds known one by one, by refund id (cents). */
  parts: Record<string, number>;
}

export interface RefundNews {
  /** This one refund's amount, when known. */
  amountCents: number | null;
  /** The payment's running total of refunds, when the provider gives it. */
  totalRefundedCents?: number | null;
  refundId?: string | null;
}

/**
 * Folds one refund event into what is known. A running total only ever raises what is known (events may arrive out
 * of order); a single refund with its id counts once; an event with no amount at all means the whole payment.
 * A refund event stored before partial refunds were understood (amount only, no total and no id) counted as a total.
 */
export function foldRefund(state: RefundState, news: RefundNews, paidCents: number | null): RefundState {
  const known = news.totalRefundedCents ?? (news.refundId ? null : news.amountCents);
  if (known === null || known === undefined) {
    if (news.refundId && news.amountCents !== null) {
      const parts = { ...state.parts, [news.refundId]: news.amountCents };
      const sum = Object.values(parts).reduce((a, b) => a + b, 0);
      return settle({ ...state, parts, refundedCents: Math.max(state.refundedCents, sum) }, paidCents);
    }
    return { ...state, fullyRefunded: true, refundedCents: Math.max(state.refundedCents, paidCents ?? 0) };
  }
  return settle({ ...state, refundedCents: Math.max(state.refundedCents, known) }, paidCents);
}

function settle(state: RefundState, paidCents: number | null): RefundState {
  return paidCents !== null && paidCents > 0 && state.refundedCents >= paidCents ? { ...state, fullyRefunded: true } : state;
}

/**
 * The credits a refund takes back: as many whole credits as the refunded amount paid for, at the price the payment
 * paid per credit (rounded down: a refund smaller than one credit's price takes none). All of them when the whole
 * payment went back, or when the payment's amount is unknown.
 */
export function creditsPaidFor(state: Pick<RefundState, 'refundedCents' | 'fullyRefunded'>, paidCents: number | null, quantity: number): number {
  if (state.fullyRefunded) return quantity;
  if (!paidCents || paidCents <= 0) return state.refundedCents > 0 ? quantity : 0;
  return Math.min(quantity, Math.floor((state.refundedCents * quantity) / paidCents));
}
