import { DomainError, isDomainError } from '@hourglass/errors';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, type PoolClient } from '@hourglass/postgres';
import { sessionStates } from '@hourglass/workflows';
import type { BillingClient } from '../adapters/billing-client';
import type { WorkflowGateway } from '../adapters/temporal-gateway';
import { effectiveStatus } from '../domain/session';
import { sessionsExtended } from '../metrics';
import { extensionRecorded, recordSessionExtendedInTx } from './session-record';
import { accessibleSession, type Deps } from './sessions';

export interface PaidExtension {
  paymentId: string;
  sessionId: string;
  userId: string;
  minutes: number;
}

/**
 * Hands a paid extension to the session's workflow, which moves the deadline once per payment id and records it (read
 * model, `session:extended`, `sessions.session.extended.v1`) before the session can end. A session that is already
 * over cannot be extended: the payment goes back to billing (`sessions.extension.rejected.v1`), in the consumer's
 * transaction, so it is never lost.
 */
export async function applyPaidExtension(tx: PoolClient, gateway: WorkflowGateway, e: PaidExtension): Promise<'applied' | 'rejected'> {
  let state;
  try {
    state = await gateway.extendSession(e.sessionId, { paymentId: e.paymentId, minutes: e.minutes });
  } catch (err) {
    if (!(isDomainError(err) && (err as DomainError).code === 'INVALID_TRANSITION')) throw err;
    state = null;
  }
  if (state) {
    // The workflow recorded it already; a session started before the start gate moved into PostgreSQL (legacy code)
    // did not, and is brought in step here. Either way once per payment.
    await recordSessionExtendedInTx(tx, { sessionId: e.sessionId, userId: e.userId, paymentId: e.paymentId, addedMinutes: e.minutes, expiresAt: state.expiresAt, durationMinutes: state.durationMinutes });
    return 'applied';
  }
  // The workflow is over, but it may have applied this very payment before it ended: a first delivery whose answer was
  // lost (Temporal restarting) and this redelivery. An applied extension is never refunded.
  if (await extensionRecorded(tx, e.sessionId, e.paymentId)) return 'applied';
  await enqueueEvent(tx, 'sessions.extension.rejected.v1', { ...e, reason: 'the session had already ended' });
  afterCommit(tx, () => sessionsExtended.inc({ outcome: 'rejected' }));
  return 'rejected';
}

/** A checkout for more minutes of an active session the caller may act on (owner, participant, admin). */
export async function requestExtension(deps: Deps & { billing: BillingClient }, principal: { sub: string; role: string }, sessionId: string, minutes: number, idempotencyKey?: string) {
  const row = await accessibleSession(deps, principal, sessionId);
  const status = effectiveStatus(row, (deps.now ?? (() => new Date()))());
  const t = sessionStates.transition(status, 'extend');
  if (!t.ok) throw new DomainError('INVALID_TRANSITION', `A ${status} session cannot be extended`, { from: t.from, to: t.to });
  return deps.billing.extensionCheckout(row.userId, sessionId, minutes, idempotencyKey);
}
