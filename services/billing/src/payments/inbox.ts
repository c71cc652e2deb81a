import { randomUUID } from 'node:crypto';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import * as repo from '../adapters/repository';
import { creditsRefunded } from '../metrics';
import { grantInTx, lockUser, type LedgerDeps } from '../use-cases/ledger';
import type { PaymentAction, Product, Provider, VerifiedEvent } from './types';

const MAX_ATTEMPTS = 8;

/**
 * Stores verified webhook events in the inbox, once per (provider, event id). A delivery the inbox already has is a
 * duplicate: it is answered 200 and changes nothing.
 */
export async function receive(pool: Pool, events: VerifiedEvent[], raw: { body: Buffer; headers: Record<string, unknown> }): Promise<{ stored: number; duplicates: number }> {
  let stored = 0;
  for (const e of events) {
    const businessKey = e.action.type === 'ignored' ? null : e.action.businessKey;
    const status = e.action.type === 'ignored' ? 'ignored' : 'received';
    const { rowCount } = await pool.query(
      `INSERT INTO payment_events (id, provider, event_id, event_type, business_key, action, raw_body, headers, status, outcome, processed_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, CASE WHEN $9 = 'ignored' THEN now() END)
       ON CONFLICT (provider, event_id) DO NOTHING`,
      [randomUUID(), e.provider, e.eventId, e.eventType, businessKey, e.action, raw.body, redactHeaders(raw.headers), status, e.action.type === 'ignored' ? e.action.reason : null],
    );
    stored += rowCount ?? 0;
  }
  return { stored, duplicates: events.length - stored };
}

function redactHeaders(h: Record<string, unknown>): Record<string, unknown> {
  const { authorization: _a, cookie: _c, ...rest } = h;
  return rest;
}

interface InboxRow {
  id: string;
  provider: Provider;
  event_id: string;
  action: PaymentAction;
  attempts: number;
}

/**
 * Applies due inbox events, each in its own transaction (claimed with SKIP LOCKED, so replicas share the work).
 * A failure is retried with backoff; after MAX_ATTEMPTS the event is `dead` — visible to admins, never lost.
 */
export async function processDue(deps: LedgerDeps, { limit = 20 }: { limit?: number } = {}): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const worked = await withTransaction(deps.pool, async (tx) => {
      const { rows } = await tx.query<InboxRow>(
        `SELECT id, provider, event_id, action, attempts FROM payment_events
         WHERE status IN ('received', 'failed') AND next_attempt_at <= now()
         ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const row = rows[0];
      if (!row) return false;
      try {
        await tx.query('SAVEPOINT apply');
        const outcome = await apply(tx, deps, row.provider, row.action);
        await tx.query(`UPDATE payment_events SET status = 'processed', outcome = $2, attempts = attempts + 1, processed_at = now(), last_error = NULL WHERE id = $1`, [row.id, outcome]);
      } catch (e) {
        await tx.query('ROLLBACK TO SAVEPOINT apply');
        const attempts = row.attempts + 1;
        const dead = attempts >= MAX_ATTEMPTS;
        await tx.query(
          `UPDATE payment_events SET status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1`,
          [row.id, dead ? 'dead' : 'failed', attempts, String((e as Error).message).slice(0, 1000), Math.min(300, 2 ** attempts)],
        );
      }
      return true;
    });
    if (!worked) break;
  }
  return done;
}

/** Puts a dead or failed event back in line (admin). */
export async function reprocess(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(`UPDATE payment_events SET status = 'received', next_attempt_at = now(), attempts = 0 WHERE id = $1 AND status IN ('dead', 'failed')`, [id]);
  return rowCount === 1;
}

async function lockPayment(tx: PoolClient, provider: Provider, businessKey: string, init: { status: 'paid' | 'refunded'; userId?: string; product?: Product; amountCents?: number | null; currency?: string }) {
  await tx.query(
    `INSERT INTO payments (provider, business_key, user_id, product, amount_cents, currency, status) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING`,
    [provider, businessKey, init.userId ?? null, init.product ?? null, init.amountCents ?? null, init.currency ?? null, init.status],
  );
  const { rows } = await tx.query(`SELECT * FROM payments WHERE provider = $1 AND business_key = $2 FOR UPDATE`, [provider, businessKey]);
  return rows[0] as { status: 'paid' | 'refunded'; granted: boolean; grant_id: string | null; user_id: string | null; product: Product | null };
}

/** The effect of one event, exactly once per business key. Returns a short outcome for the inbox row. */
async function apply(tx: PoolClient, deps: LedgerDeps, provider: Provider, action: PaymentAction): Promise<string> {
  if (action.type === 'ignored') return `ignored: ${action.reason}`;
  if (action.type === 'paid') {
    const payment = await lockPayment(tx, provider, action.businessKey, { status: 'paid', userId: action.userId, product: action.product, amountCents: action.amountCents, currency: action.currency });
    if (payment.status === 'refunded' && !payment.granted) return 'refunded before it completed: nothing granted';
    if (payment.granted) return 'already granted for this payment';
    await tx.query(`UPDATE payments SET user_id = $3, product = $4, amount_cents = $5, currency = $6 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, action.userId, action.product, action.amountCents, action.currency]);
    const paymentId = `${provider}:${action.businessKey}`;
    let grantId: string | null = null;
    switch (action.product.kind) {
      case 'session_credits': {
        await lockUser(tx, deps, action.userId);
        grantId = (await grantInTx(tx, { userId: action.userId, kind: 'paid', quantity: action.product.quantity, source: 'payment', sourceRef: paymentId, actor: provider, note: `${provider} payment ${action.businessKey}` })).grantId;
        break;
      }
      case 'pack':
        // The sessions service creates the pack and its seat (once per payment id).
        if (!action.product.mentorId) throw new Error('a pack payment must name its mentor');
        if (action.product.sessions <= 0) throw new Error('a pack must have at least one session');
        await enqueueEvent(tx, 'billing.pack.paid.v1', { paymentId, userId: action.userId, mentorId: action.product.mentorId, sessions: action.product.sessions, provider });
        break;
      case 'extension':
        // Applied by the sessions service to the session's workflow, once per payment id.
        await enqueueEvent(tx, 'billing.extension.paid.v1', { paymentId, sessionId: action.product.sessionId, userId: action.userId, minutes: action.product.minutes, provider });
        break;
    }
    await tx.query(`UPDATE payments SET granted = true, grant_id = $3 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, grantId]);
    return `granted ${action.product.kind}`;
  }

  // Refund: reverse what is still unredeemed; what was already used is flagged for an admin, never made negative.
  const payment = await lockPayment(tx, provider, action.businessKey, { status: 'refunded', amountCents: action.amountCents });
  if (payment.status === 'refunded' && !payment.granted) return 'refund recorded before the payment: it will grant nothing';
  if (payment.status === 'refunded') return 'already refunded';
  let outcome = 'refunded';
  let flagged: string | null = null;
  if (payment.grant_id && payment.user_id) {
    const { now } = await lockUser(tx, deps, payment.user_id);
    const { rows } = await tx.query(`SELECT id, kind, quantity, remaining, expires_at FROM credit_grants WHERE id = $1 FOR UPDATE`, [payment.grant_id]);
    const grant = rows[0];
    const takeBack = grant && (!grant.expires_at || grant.expires_at > now) ? grant.remaining : 0;
    if (takeBack > 0) {
      await repo.adjustGrant(tx, grant.id, -takeBack);
      await repo.appendLedger(tx, { id: randomUUID(), userId: payment.user_id, grantId: grant.id, delta: -takeBack, reason: 'refund', actor: provider, note: `refund of ${provider} payment ${action.businessKey}`, idempotencyKey: `payment-refund:${provider}:${action.businessKey}` });
      await enqueueEvent(tx, 'billing.credit.refunded.v1', { ledgerEntryId: randomUUID(), userId: payment.user_id, grantId: grant.id, kind: grant.kind, quantity: takeBack, reason: 'payment refunded', sourceRef: `${provider}:${action.businessKey}` });
      afterCommit(tx, () => creditsRefunded.inc({ kind: grant.kind, reason: 'payment_refunded' }, takeBack));
    }
    if (grant && takeBack < grant.quantity) {
      flagged = `${grant.quantity - takeBack} of ${grant.quantity} credits were already used before the refund`;
      outcome = `refunded ${takeBack}, flagged: ${flagged}`;
    }
  } else if (payment.product?.kind === 'extension') {
    flagged = 'extension minutes were already given';
    outcome = `refunded, flagged: ${flagged}`;
  }
  await tx.query(`UPDATE payments SET status = 'refunded', refunded_at = now(), flagged = $3 WHERE provider = $1 AND business_key = $2`, [provider, action.businessKey, flagged]);
  return outcome;
}
