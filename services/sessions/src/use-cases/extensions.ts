import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DomainError, isDomainError } from '@hourglass/errors';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, type PoolClient } from '@hourglass/postgres';
import { sessionStates } from '@hourglass/workflows';
import type { BillingClient } from '../adapters/billing-client';
import type { WorkflowGateway } from '../adapters/temporal-gateway';
import { appendSessionEvent } from '../adapters/session-events';
import { effectiveStatus } from '../domain/session';
import { sessionsExtended } from '../metrics';
import { accessibleSession, type Deps } from './sessions';

export interface PaidExtension {
  paymentId: string;
  sessionId: string;
  userId: string;
  minutes: number;
}

/**
 * Applies a paid extension to the session's workflow (once per payment id: the workflow remembers applied payments),
 * then brings the read model in step and announces it. A session that already ended cannot be extended: the payment
 * is handed back to billing (`sessions.extension.rejected.v1`), which turns it into a paid credit — never lost.
 * Runs inside the consumer's transaction, so the read model, the events and the dedupe mark commit together.
 */
export async function applyPaidExtension(tx: PoolClient, gateway: WorkflowGateway, e: PaidExtension): Promise<'applied' | 'rejected'> {
  let state;
  try {
    state = await gateway.extendSession(e.sessionId, { paymentId: e.paymentId, minutes: e.minutes });
  } catch (err) {
    if (!(isDomainError(err) && (err as DomainError).code === 'INVALID_TRANSITION')) throw err;
    state = null;
  }
  if (!state) {
    await enqueueEvent(tx, 'sessions.extension.rejected.v1', { ...e, reason: 'the session had already ended' });
    afterCommit(tx, () => sessionsExtended.inc({ outcome: 'rejected' }));
    return 'rejected';
  }
  const { rowCount } = await tx.query(
    `UPDATE sessions SET expires_at = $2, duration_minutes = $3, updated_at = now() WHERE id = $1 AND status = 'active' AND expires_at < $2`,
    [e.sessionId, state.expiresAt, state.durationMinutes],
  );
  afterCommit(tx, () => sessionsExtended.inc({ outcome: rowCount === 1 ? 'applied' : 'already_applied' }));
  if (rowCount === 1) {
    const remainingSeconds = Math.max(0, Math.floor((Date.parse(state.expiresAt) - Date.now()) / 1000));
    await appendSessionEvent(tx, e.sessionId, 'session:extended', { session_id: e.sessionId, expires_at: state.expiresAt, remaining_seconds: remainingSeconds, added_minutes: e.minutes, duration_minutes: state.durationMinutes });
    await enqueueEvent(tx, 'sessions.session.extended.v1', {
      sessionId: e.sessionId,
      userId: e.userId,
      paymentId: e.paymentId,
      addedMinutes: e.minutes,
      expiresAt: timestampFromDate(new Date(state.expiresAt)),
      durationMinutes: state.durationMinutes,
    });
  }
  return 'applied';
}

/** A checkout for more minutes of an active session the caller may act on (owner, participant, admin). */
export async function requestExtension(deps: Deps & { billing: BillingClient }, principal: { sub: string; role: string }, sessionId: string, minutes: number, idempotencyKey?: string) {
  const row = await accessibleSession(deps, principal, sessionId);
  const status = effectiveStatus(row, (deps.now ?? (() => new Date()))());
  const t = sessionStates.transition(status, 'extend');
  if (!t.ok) throw new DomainError('INVALID_TRANSITION', `A ${status} session cannot be extended`, { from: t.from, to: t.to });
  return deps.billing.extensionCheckout(row.userId, sessionId, minutes, idempotencyKey);
}
