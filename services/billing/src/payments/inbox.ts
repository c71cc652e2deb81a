import { randomUUID } from 'node:crypto';
import { withTransaction, type Pool } from '@hourglass/postgres';
import type { LedgerDeps } from '../use-cases/ledger';
import { applyPaymentAction } from './apply';
import type { PaymentAction, Provider, VerifiedEvent } from './types';

const MAX_ATTEMPTS = 8;

/**
 * Stores verified webhook events in the inbox, once per (provider, event id). A delivery the inbox already has is a
 * duplicate: it is answered 200 and changes nothing.
 */
export async function receive(pool: Pool, events: VerifiedEvent[], raw: { body: Buffer; headers: Record<string, unknown> }): Promise<{ stored: number; duplicates: number; unprocessable?: Array<{ event_id: string; reason: string }> }> {
  let stored = 0;
  const unprocessable: Array<{ event_id: string; reason: string }> = [];
  for (const e of events) {
    const a = e.action;
    const businessKey = a.type === 'paid' || a.type === 'refunded' ? a.businessKey : null;
    // Nothing to apply later: recorded as final at once, with the reason.
    const final = a.type === 'ignored' ? 'ignored' : a.type === 'unprocessable' ? 'unprocessable' : null;
    const { rowCount } = await pool.query(
      `INSERT INTO payment_events (id, provider, event_id, event_type, business_key, user_id, action, raw_body, headers, status, outcome, processed_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, CASE WHEN $10 <> 'received' THEN now() END)
       ON CONFLICT (provider, event_id) DO NOTHING`,
      [randomUUID(), e.provider, e.eventId, e.eventType, businessKey, a.type === 'paid' ? a.userId : null, a, raw.body, redactHeaders(raw.headers), final ?? 'received', final ? (a as { reason: string }).reason : null],
    );
    stored += rowCount ?? 0;
    if (a.type === 'unprocessable') unprocessable.push({ event_id: e.eventId, reason: a.reason });
  }
  return { stored, duplicates: events.length - stored, ...(unprocessable.length ? { unprocessable } : {}) };
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
        const outcome = await applyPaymentAction(tx, deps, row.provider, row.action);
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

/** Puts a dead or failed event back in line (admin): `not_found` for an id the inbox never had. */
export async function reprocess(pool: Pool, id: string): Promise<'queued' | 'not_found' | { status: string }> {
  const { rowCount } = await pool.query(`UPDATE payment_events SET status = 'received', next_attempt_at = now(), attempts = 0 WHERE id = $1 AND status IN ('dead', 'failed')`, [id]);
  if (rowCount === 1) return 'queued';
  const { rows } = await pool.query(`SELECT status FROM payment_events WHERE id = $1`, [id]);
  return rows[0] ? { status: rows[0].status } : 'not_found';
}
