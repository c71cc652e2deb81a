import type { Logger } from '@hourglass/logger';
import { enqueueEvent } from '@hourglass/kafka';
import type { PoolClient } from '@hourglass/postgres';
import type { EventOf } from '@hourglass/proto';
import { requestRefund } from '../payments/refunds';
import type { Provider } from '../payments/types';

const providers: readonly Provider[] = ['stripe', 'paypal', 'woocommerce'];

/**
 * A paid extension the sessions service could not apply (the session had ended before the payment landed) is worth
 * exactly what was paid for it, and minutes of a session that is over buy nothing: the payment is refunded in full —
 * through Stripe's API, or flagged for a person where Hourglass cannot refund by itself — and the payer is told.
 * Never a session credit: a credit is a whole session at the session price, not 40¢ of minutes.
 * Runs in the consumer's transaction: the refund request, the message and the dedupe mark commit together.
 */
export async function refundLateExtension(tx: PoolClient, rejected: EventOf<'sessions.extension.rejected.v1'>, logger: Logger): Promise<string> {
  const sep = rejected.paymentId.indexOf(':');
  const provider = rejected.paymentId.slice(0, sep) as Provider;
  const businessKey = rejected.paymentId.slice(sep + 1);
  if (sep < 0 || !providers.includes(provider)) return 'not a payment (a free extension): nothing to refund';
  const { rows } = await tx.query(`SELECT user_id, amount_cents, currency, refunded_cents, fully_refunded FROM payments WHERE provider = $1 AND business_key = $2 FOR UPDATE`, [provider, businessKey]);
  const payment = rows[0];
  if (!payment) {
    logger.warn({ paymentId: rejected.paymentId, sessionId: rejected.sessionId }, 'a rejected extension names a payment billing does not know');
    return 'unknown payment: nothing to refund';
  }
  if (payment.fully_refunded) return 'already refunded';
  const amountCents = Math.max(0, (payment.amount_cents ?? 0) - (payment.refunded_cents ?? 0));
  const currency = payment.currency ?? 'usd';
  const status = await requestRefund(tx, {
    provider,
    businessKey,
    userId: rejected.userId,
    amountCents,
    currency,
    reason: `${rejected.minutes}-minute extension for session ${rejected.sessionId} arrived after it ended`,
  });
  await enqueueEvent(tx, 'notifications.requested.v1', {
    requestId: `extension-refund:${rejected.paymentId}`,
    templateId: 'extension_refunded',
    recipientUserId: rejected.userId,
    dedupeKey: `extension-refund:${rejected.paymentId}`,
    data: { session_id: rejected.sessionId, minutes: String(rejected.minutes), amount_cents: String(amountCents), currency, refund: status === 'pending' ? 'automatic' : 'manual' },
  });
  return status === 'pending' ? 'refund requested' : 'refund flagged for a person';
}
