import { randomUUID } from 'node:crypto';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, type PoolClient } from '@hourglass/postgres';
import * as repo from '../adapters/repository';
import { creditsPaidFor, foldRefund, type RefundState } from '../domain/refunds';
import { creditsRefunded } from '../metrics';
import { grantInTx, lockUser, type LedgerDeps } from '../use-cases/ledger';
import { flagPayment, refundRequestOf, requestRefund } from './refunds';
import type { PaymentAction, Product, Provider } from './types';

interface PaymentRow {
  provider: Provider;
  business_key: string;
  status: 'paid' | 'refunded';
  granted: boolean;
  grant_id: string | null;
  user_id: string | null;
  product: Product | null;
  amount_cents: number | null;
  currency: string | null;
  refunded_cents: number;
  fully_refunded: boolean;
  refund_parts: Record<string, number>;
  credits_reversed: number;
}

type Paid = Extract<PaymentAction, { type: 'paid' }>;
type Refunded = Extract<PaymentAction, { type: 'refunded' }>;

/** One row per paid thing, created by whichever of its events comes first, then locked for this transaction. */
async function lockPayment(tx: PoolClient, provider: Provider, businessKey: string, init: { status: 'paid' | 'refunded'; userId?: string; product?: Product; amountCents?: number | null; currency?: string }): Promise<PaymentRow> {
  await tx.query(
    `INSERT INTO payments (provider, business_key, user_id, product, amount_cents, currency, status) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING`,
    [provider, businessKey, init.userId ?? null, init.product ?? null, init.amountCents ?? null, init.currency ?? null, init.status],
  );
  const { rows } = await tx.query(`SELECT * FROM payments WHERE provider = $1 AND business_key = $2 FOR UPDATE`, [provider, businessKey]);
  return rows[0] as PaymentRow;
}

/** The effect of one event, exactly once per business key. Returns a short outcome for the inbox row. */
export async function applyPaymentAction(tx: PoolClient, deps: LedgerDeps, provider: Provider, action: PaymentAction): Promise<string> {
  switch (action.type) {
    case 'ignored':
      return `ignored: ${action.reason}`;
    case 'unprocessable':
      return `unprocessable: ${action.reason}`;
    case 'paid':
      return applyPaid(tx, deps, provider, action);
    case 'refunded':
      return applyRefund(tx, deps, provider, action);
  }
}

async function applyPaid(tx: PoolClient, deps: LedgerDeps, provider: Provider, action: Paid): Promise<string> {
  const payment = await lockPayment(tx, provider, action.businessKey, { status: 'paid', userId: action.userId, product: action.product, amountCents: action.amountCents, currency: action.currency });
  if (payment.granted) return 'already granted for this payment';
  await tx.query(`UPDATE payments SET status = 'paid', user_id = $3, product = $4, amount_cents = $5, currency = $6, payer_email = $7 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, action.userId, action.product, action.amountCents, action.currency, action.payerEmail ?? null]);
  // Refunds that arrived first (out of order) are settled against the amount now known.
  const refunds = foldRefund({ refundedCents: payment.refunded_cents, fullyRefunded: payment.fully_refunded, parts: payment.refund_parts ?? {} }, { amountCents: payment.refunded_cents, totalRefundedCents: payment.refunded_cents }, action.amountCents);
  if (refunds.fullyRefunded) {
    await tx.query(`UPDATE payments SET fully_refunded = true, status = 'refunded' WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey]);
    return 'refunded before it completed: nothing granted';
  }
  const paymentId = `${provider}:${action.businessKey}`;
  let grantId: string | null = null;
  let outcome = `granted ${action.product.kind}`;
  switch (action.product.kind) {
    case 'session_credits': {
      if (action.product.quantity <= 0) throw new Error('a payment for no credits cannot be applied');
      // Credits a partial refund already paid for are not granted in the first place.
      const covered = creditsPaidFor(refunds, action.amountCents, action.product.quantity);
      const quantity = action.product.quantity - covered;
      await tx.query(`UPDATE payments SET credits_reversed = $3 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, covered]);
      if (quantity <= 0) {
        outcome = 'refunded before it completed: nothing granted';
        break;
      }
      await lockUser(tx, deps, action.userId);
      grantId = (
        await grantInTx(tx, {
          userId: action.userId,
          kind: 'paid',
          quantity,
          source: 'payment',
          sourceRef: paymentId,
          actor: provider,
          note: `${provider} payment ${action.businessKey}${covered ? ` (${covered} of ${action.product.quantity} credits refunded before it completed)` : ''}`,
          payment: { amountCents: action.amountCents, currency: action.currency, payerEmail: action.payerEmail ?? null },
        })
      ).grantId;
      outcome = `granted ${quantity} credit${quantity === 1 ? '' : 's'}${covered ? ` (${covered} refunded before it completed)` : ''}`;
      break;
    }
    case 'pack':
      if (!action.product.mentorId) {
        // Cannot be delivered: the money goes back (or is flagged for a person), never silently kept.
        const status = await requestRefund(tx, { provider, businessKey: action.businessKey, userId: action.userId, amountCents: action.amountCents, currency: action.currency, reason: 'a pack payment that names no mentor cannot be delivered' });
        outcome = `not deliverable (no mentor): refund ${status === 'pending' ? 'requested' : 'flagged for a person'}`;
        break;
      }
      // The sessions service creates the pack and its seat (once per payment id).
      await enqueueEvent(tx, 'billing.pack.paid.v1', { paymentId, userId: action.userId, mentorId: action.product.mentorId, sessions: action.product.sessions, provider });
      break;
    case 'extension':
      // Applied by the sessions service to the session's workflow, once per payment id; a session that already
      // ended answers `sessions.extension.rejected.v1` and the payment is refunded (late-extensions.ts).
      await enqueueEvent(tx, 'billing.extension.paid.v1', { paymentId, sessionId: action.product.sessionId, userId: action.userId, minutes: action.product.minutes, provider });
      break;
  }
  await tx.query(`UPDATE payments SET granted = true, grant_id = $3 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, grantId]);
  if (refunds.refundedCents > 0 && action.product.kind !== 'session_credits') {
    await flagPayment(tx, provider, action.businessKey, `${refunds.refundedCents} of ${action.amountCents} was refunded before the ${action.product.kind} was applied`);
    outcome += ', flagged: partly refunded before it was applied';
  }
  return outcome;
}

async function applyRefund(tx: PoolClient, deps: LedgerDeps, provider: Provider, action: Refunded): Promise<string> {
  const payment = await lockPayment(tx, provider, action.businessKey, { status: 'refunded' });
  const before: RefundState = { refundedCents: payment.refunded_cents, fullyRefunded: payment.fully_refunded, parts: payment.refund_parts ?? {} };
  const after = foldRefund(before, action, payment.amount_cents);
  if (after.refundedCents === before.refundedCents && after.fullyRefunded === before.fullyRefunded && JSON.stringify(after.parts) === JSON.stringify(before.parts)) {
    return before.fullyRefunded ? 'already refunded' : `already known: ${before.refundedCents} refunded so far`;
  }
  await tx.query(
    `UPDATE payments SET refunded_cents = $3, fully_refunded = $4, refund_parts = $5, refunded_at = now(), status = CASE WHEN $4 THEN 'refunded' ELSE status END
     WHERE provider = $1 AND business_key = $2`,
    [provider, action.businessKey, after.refundedCents, after.fullyRefunded, after.parts],
  );
  const current = { ...payment, refunded_cents: after.refundedCents, fully_refunded: after.fullyRefunded, refund_parts: after.parts };
  const what = after.fullyRefunded ? 'refunded in full' : `refunded ${after.refundedCents} of ${payment.amount_cents ?? '?'}`;
  if (!payment.granted) return `${what} before the payment was applied: it will grant ${after.fullyRefunded ? 'nothing' : 'only what was not refunded'}`;

  const product = payment.product;
  if (product?.kind === 'session_credits') return `${what}; ${(await reverseCredits(tx, deps, provider, current)) || 'no more credits to take back'}`;
  // Minutes already added to a session, or a pack already created, cannot be taken back by a refund: unless it is
  // the refund Hourglass asked for itself, a person looks at it.
  const ours = await refundRequestOf(tx, provider, action.businessKey);
  if (ours) return `${what}: the refund Hourglass requested (${ours.reason})`;
  const note = product?.kind === 'extension' ? 'extension minutes were already given' : product?.kind === 'pack' ? 'the pack was already created with its sessions' : 'refund of a payment whose effect is unknown';
  await flagPayment(tx, provider, action.businessKey, `${what}: ${note}`);
  return `${what}, flagged: ${note}`;
}

/**
 * Takes back the credits the refunded amount paid for and that are still unused; the ones already used are counted
 * and flagged for a person, never driving a balance negative. Each step once (ledger key per step).
 */
async function reverseCredits(tx: PoolClient, deps: LedgerDeps, provider: Provider, payment: PaymentRow): Promise<string | null> {
  if (payment.product?.kind !== 'session_credits' || !payment.grant_id || !payment.user_id) return null;
  const target = creditsPaidFor({ refundedCents: payment.refunded_cents, fullyRefunded: payment.fully_refunded }, payment.amount_cents, payment.product.quantity);
  const due = target - payment.credits_reversed;
  if (due <= 0) return null;
  const { now } = await lockUser(tx, deps, payment.user_id);
  const { rows } = await tx.query(`SELECT id, kind, quantity, remaining, expires_at FROM credit_grants WHERE id = $1 FOR UPDATE`, [payment.grant_id]);
  const grant = rows[0];
  const spendable = grant && (!grant.expires_at || grant.expires_at > now) ? grant.remaining : 0;
  const takeBack = Math.min(due, spendable);
  const sourceRef = `${provider}:${payment.business_key}`;
  if (takeBack > 0) {
    const ledgerEntryId = randomUUID();
    await repo.adjustGrant(tx, grant.id, -takeBack);
    await repo.appendLedger(tx, { id: ledgerEntryId, userId: payment.user_id, grantId: grant.id, delta: -takeBack, reason: 'refund', actor: provider, note: `refund of ${provider} payment ${payment.business_key} (${payment.fully_refunded ? 'in full' : `${payment.refunded_cents} of ${payment.amount_cents}`})`, idempotencyKey: `payment-refund:${sourceRef}:${target}` });
    const refundedCents = payment.amount_cents && payment.product.quantity ? Math.round((payment.amount_cents * takeBack) / payment.product.quantity) : 0;
    await enqueueEvent(tx, 'billing.credit.refunded.v1', { ledgerEntryId, userId: payment.user_id, grantId: grant.id, kind: grant.kind, quantity: takeBack, reason: 'payment refunded', sourceRef, refundedCents, currency: payment.currency ?? '' });
    afterCommit(tx, () => creditsRefunded.inc({ kind: grant.kind, reason: 'payment_refunded' }, takeBack));
  }
  await tx.query(`UPDATE payments SET credits_reversed = $3 WHERE provider = $1 AND business_key = $2`, [provider, payment.business_key, target]);
  const used = due - takeBack;
  if (used > 0) {
    const note = `${used} of ${payment.product.quantity} credits were already used before the refund`;
    await flagPayment(tx, provider, payment.business_key, note);
    return `took back ${takeBack}, flagged: ${note}`;
  }
  return `took back ${takeBack} of ${payment.product.quantity} credits`;
}
