import { createHash, randomUUID } from 'node:crypto';
import { DomainError, notFound } from '@hourglass/errors';
import type { Pool } from '@hourglass/postgres';
import type { CreditKind } from '@hourglass/workflows';
import { gateRules } from '@hourglass/workflows';
import type { BillingClient } from '../adapters/billing-client';
import { findSession } from '../adapters/session-repository';
import type { WorkflowGateway } from '../adapters/temporal-gateway';
import { startLatency } from '../metrics';
import { canAccess, effectiveStatus, remainingSeconds, type SessionRow } from '../domain/session';

export interface Deps {
  pool: Pool;
  gateway: WorkflowGateway;
  billing: BillingClient;
  now?: () => Date;
}
type Principal = { sub: string; role: string };

const sessionTypeHints: Record<string, CreditKind> = { freemium: 'free', paid: 'paid', test: 'test', pack: 'pack' };

/**
 * The request id the gate deduplicates on: the client's Idempotency-Key (scoped to the user and the request's
 * parameters, so reusing a key with other parameters is a different request the gate refuses), or a fresh id.
 */
export function startRequestId(userId: string, idempotencyKey: string | undefined, params: unknown): string {
  if (!idempotencyKey) return randomUUID();
  return createHash('sha256').update(JSON.stringify([userId, idempotencyKey, params])).digest('hex').slice(0, 32);
}

export async function startSession(deps: Deps, principal: Principal, input: { mode: string; session_type?: string; participant_id?: string }, idempotencyKey?: string) {
  const requestId = startRequestId(principal.sub, idempotencyKey, input);
  const timer = startLatency.startTimer();
  const view = await deps.gateway
    .startSession({
      requestId,
      userId: principal.sub,
      mode: input.mode,
      preferredKind: input.session_type ? sessionTypeHints[input.session_type] : undefined,
      participantId: input.participant_id,
      requestedAt: new Date().toISOString(),
    })
    .then(
      (v) => (timer({ outcome: 'started' }), v),
      (err: unknown) => {
        timer({ outcome: err instanceof DomainError ? err.code : 'error' });
        throw err;
      },
    );
  return {
    status: 'ok',
    session: {
      id: view.id,
      mode: view.mode,
      session_type: view.sessionType,
      duration_minutes: view.durationMinutes,
      started_at: view.startedAt,
      expires_at: view.expiresAt,
      status: view.status,
    },
  };
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

export async function setAutoStart(deps: Deps, principal: Principal, input: { enabled: boolean; mode?: string }) {
  const state = await deps.gateway.setAutoStart(principal.sub, input);
  return gateBody(deps, principal.sub, state.cooldownUntil, state.activeSessionId, state.autoStart !== null);
}

export async function getGate(deps: Deps, principal: Principal) {
  const state = await deps.gateway.gateState(principal.sub);
  return gateBody(deps, principal.sub, state?.cooldownUntil ?? null, state?.activeSessionId ?? null, Boolean(state?.autoStart));
}

async function gateBody(deps: Deps, userId: string, cooldownUntil: string | null, activeSessionId: string | null, autoStart: boolean) {
  const now = (deps.now ?? (() => new Date()))();
  const credits = await deps.billing.credits(userId);
  const cooling = gateRules.cooldownRemainingMs(cooldownUntil, now.getTime()) > 0;
  return {
    cooldown_until: cooling ? cooldownUntil : null,
    retry_after_seconds: gateRules.retryAfterSeconds(cooldownUntil, now.getTime()),
    has_credit: credits.total_available > 0,
    active_session_id: activeSessionId,
    can_start: !cooling && !activeSessionId && credits.total_available > 0,
    auto_start: autoStart,
    server_time: now.toISOString(),
  };
}
