import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { Logger } from '@hourglass/logger';
import { withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import type { Provider } from './types';

const MAX_ATTEMPTS = 8;

export interface RefundRequest {
  provider: Provider;
  businessKey: string;
  userId: string | null;
  amountCents: number;
  currency: string;
  reason: string;
}

/**
 * Inside the caller's transaction: Hourglass owes `amountCents` back on a payment (once per payment). Stripe refunds
 * are issued by `issueDueRefunds`; providers Hourglass cannot refund through (PayPal, WooCommerce, or a Stripe
 * payment without a payment intent) are left `manual` and flagged on the payment for a person.
 * Returns the request's status.
 */
export async function requestRefund(tx: PoolClient, r: RefundRequest): Promise<'pending' | 'manual'> {
  const automatic = r.provider === 'stripe' && r.businessKey.startsWith('pi_') && r.amountCents > 0;
  const status = automatic ? 'pending' : 'manual';
  await tx.query(
    `INSERT INTO refund_requests (id, provider, business_key, user_id, amount_cents, currency, reason, status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (provider, business_key) DO NOTHING`,
    [randomUUID(), r.provider, r.businessKey, r.userId, r.amountCents, r.currency, r.reason, status],
  );
  if (!automatic) await flagPayment(tx, r.provider, r.businessKey, `refund of ${r.amountCents} ${r.currency} owed (${r.reason}): make it in the ${r.provider} dashboard`);
  return status;
}

export async function flagPayment(db: Pick<PoolClient, 'query'>, provider: string, businessKey: string, note: string) {
  await db.query(
    `UPDATE payments SET flagged = CASE WHEN flagged IS NULL THEN $3 WHEN position($3 in flagged) > 0 THEN flagged ELSE flagged || '; ' || $3 END
     WHERE provider = $1 AND business_key = $2`,
    [provider, businessKey, note],
  );
}

/** Whether Hourglass itself asked for this payment's money back (a refund event for it is then expected). */
export async function refundRequestOf(tx: PoolClient, provider: string, businessKey: string): Promise<{ status: string; amount_cents: number; reason: string } | null> {
  const { rows } = await tx.query(`SELECT status, amount_cents, reason FROM refund_requests WHERE provider = $1 AND business_key = $2`, [provider, businessKey]);
  return rows[0] ?? null;
}

interface Due {
  id: string;
  provider: string;
  business_key: string;
  amount_cents: number;
  reason: string;
  attempts: number;
}

/**
 * Issues due Stripe refunds, each claimed with SKIP LOCKED in its own transaction and sent with the request id as
 * Stripe's idempotency key: a crash after Stripe refunded but before we recorded it sends the same request again and
 * Stripe answers the same refund. Stripe refusing (4xx) or failing past MAX_ATTEMPTS leaves it `failed` and flagged.
 */
export async function issueDueRefunds(deps: { pool: Pool; stripe: Stripe; logger?: Logger }, limit = 10): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const worked = await withTransaction(deps.pool, async (tx) => {
      const { rows } = await tx.query<Due>(
        `SELECT id, provider, business_key, amount_cents, reason, attempts FROM refund_requests
         WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const due = rows[0];
      if (!due) return false;
      try {
        const refund = await deps.stripe.refunds.create(
          { payment_intent: due.business_key, amount: due.amount_cents, metadata: { hourglass_refund_request: due.id, reason: due.reason.slice(0, 450) } },
          { idempotencyKey: `hourglass-refund:${due.id}` },
        );
        await tx.query(`UPDATE refund_requests SET status = 'issued', provider_refund_id = $2, attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = $1`, [due.id, refund.id]);
      } catch (e) {
        const err = e as { statusCode?: number; message?: string };
        const attempts = due.attempts + 1;
        const refused = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429;
        const failed = refused || attempts >= MAX_ATTEMPTS;
        await tx.query(
          `UPDATE refund_requests SET status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5), updated_at = now() WHERE id = $1`,
          [due.id, failed ? 'failed' : 'pending', attempts, String(err.message ?? e).slice(0, 1000), Math.min(300, 2 ** attempts)],
        );
        if (failed) await flagPayment(tx, due.provider, due.business_key, `refund of ${due.amount_cents} owed (${due.reason}) could not be issued: ${String(err.message ?? e).slice(0, 200)}`);
        deps.logger?.warn({ err: e, refundRequest: due.id }, failed ? 'refund could not be issued: flagged for a person' : 'refund failed; will retry');
      }
      return true;
    });
    if (!worked) break;
  }
  return done;
}
