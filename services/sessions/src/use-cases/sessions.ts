import { DomainError, notFound } from '@hourglass/errors';
import { gateRules, type SessionType } from '@hourglass/workflows';
import type { BillingClient } from '../adapters/billing-client';
import { findSession } from '../adapters/session-repository';
import { readGate, setAutoStartWish } from '../adapters/start-gate-repository';
import type { WorkflowGateway } from '../adapters/temporal-gateway';
import { canAccess, effectiveStatus, remainingSeconds, type SessionRow } from '../domain/session';
import { startSession, tryAutoStart, type StartDeps } from './start-session';

export interface Deps extends StartDeps {
  gateway: WorkflowGateway;
  billing: BillingClient;
  now?: () => Date;
}
type Principal = { sub: string; role: string };

export function startSessionFor(deps: Deps, principal: Principal, input: { mode: string; session_type?: SessionType; participant_id?: string }, idempotencyKey?: string, callerGone?: () => boolean) {
  return startSession(deps, { userId: principal.sub, mode: input.mode, sessionType: input.session_type, participantId: input.participant_id, idempotencyKey }, { callerGone });
}

export async function accessibleSession(deps: Deps, principal: Principal, id: string): Promise<SessionRow> {
  const row = await findSession(deps.pool, id);
  // Someone else's session is indistinguishable from a missing one.
  if (!row || !canAccess(row, principal)) throw notFound('Session', { session_id: id });
  return row;
}

export function sessionBody(row: SessionRow, now: Date) {
  const status = effectiveStatus(row, now);
  return {
    session_id: row.id,
    status,
    mode: row.mode,
    session_type: row.sessionType,
    duration_minutes: row.durationMinutes,
    remaining_seconds: remainingSeconds(row, now),
    started_at: row.startedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    ...(row.endedAt ? { ended_at: row.endedAt.toISOString() } : {}),
    ...(row.durationUsedSeconds !== null ? { duration_used_seconds: row.durationUsedSeconds } : {}),
    ...(status === 'expired' ? { message: 'Session has expired' } : {}),
    server_time: now.toISOString(),
  };
}

export async function getSession(deps: Deps, principal: Principal, id: string) {
  const row = await accessibleSession(deps, principal, id);
  return sessionBody(row, (deps.now ?? (() => new Date()))());
}

/** Ends a session; idempotent — ending an ended or expired session returns its final state. */
export async function endSession(deps: Deps, principal: Principal, id: string) {
  let row = await accessibleSession(deps, principal, id);
  if (row.status === 'active') {
    await deps.gateway.endSession(id, principal.sub);
    row = (await findSession(deps.pool, id))!;
  }
  if (row.status === 'active') throw new DomainError('UNAVAILABLE', 'The session is ending; retry in a moment');
  return {
    session_id: row.id,
    status: row.status,
    duration_used_seconds: row.durationUsedSeconds ?? 0,
    ...(row.status === 'expired' ? { message: 'Session has expired' } : {}),
  };
}

/** Records (or drops) the wish that the next session start by itself, and tries it at once. */
export async function setAutoStart(deps: Deps, principal: Principal, input: { enabled: boolean; mode?: string }) {
  await setAutoStartWish(deps.pool, principal.sub, input.enabled ? (input.mode ?? 'chat') : null);
  if (input.enabled) {
    await tryAutoStart(deps, principal.sub).catch((err: unknown) => {
      // The wish stays: it is tried again when the cooldown ends or a credit arrives.
      deps.logger?.warn({ err, userId: principal.sub }, 'auto-start could not be tried now');
    });
  }
  return getGate(deps, principal);
}

export async function getGate(deps: Deps, principal: Principal) {
  const now = (deps.now ?? (() => new Date()))();
  const [gate, credits] = await Promise.all([readGate(deps.pool, principal.sub), deps.billing.credits(principal.sub)]);
  const cooldownUntil = gate.cooldownUntil?.toISOString() ?? null;
  const cooling = gateRules.cooldownRemainingMs(cooldownUntil, now.getTime()) > 0;
  return {
    cooldown_until: cooling ? cooldownUntil : null,
    retry_after_seconds: gateRules.retryAfterSeconds(cooldownUntil, now.getTime()),
    has_credit: credits.total_available > 0,
    active_session_id: gate.activeSessionId,
    can_start: !cooling && !gate.activeSessionId && credits.total_available > 0,
    auto_start: gate.autoStartMode !== null,
    server_time: now.toISOString(),
  };
}
