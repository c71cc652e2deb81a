// Pure rules of the start gate: whether a user's next session may begin, and what a begun session looks like.
import { DomainError } from '@hourglass/errors';
import { gateRules, type CreditKind, type SessionStart, type SessionType } from '@hourglass/workflows';

/** The one session a user may have at a time, and the cooldown after it: refused before anything is taken. */
export function startRefusal(gate: { liveSessionId: string | null; cooldownUntil: Date | null }, nowMs: number): DomainError | null {
  if (gate.liveSessionId) {
    return new DomainError('SESSION_ALREADY_ACTIVE', 'A session is already active', { active_session_id: gate.liveSessionId });
  }
  const cooldownUntil = gate.cooldownUntil?.toISOString() ?? null;
  if (gateRules.cooldownRemainingMs(cooldownUntil, nowMs) > 0) {
    return new DomainError('COOLDOWN_ACTIVE', 'The cooldown after your last session is still running', {
      cooldown_until: cooldownUntil,
      retry_after_seconds: gateRules.retryAfterSeconds(cooldownUntil, nowMs),
    });
  }
  return null;
}

/** `session_type` in a request names the credit the caller would rather spend (the burn order decides otherwise). */
export const preferredKindFor: Record<SessionType, CreditKind> = { freemium: 'free', paid: 'paid', test: 'test', pack: 'pack' };

/** What the credit bought, from now: the deadline is exact, the length shown is rounded up to whole minutes. */
export function sessionStartOf(
  s: { sessionId: string; userId: string; participantId: string | null; mode: string; origin: 'request' | 'auto' },
  credit: { ledgerEntryId: string; kind: CreditKind; sessionType: SessionType; durationMinutes: number; cooldownMinutes: number },
  nowMs: number,
): SessionStart {
  return {
    sessionId: s.sessionId,
    userId: s.userId,
    ...(s.participantId ? { participantId: s.participantId } : {}),
    mode: s.mode,
    sessionType: credit.sessionType,
    durationMinutes: Math.ceil(credit.durationMinutes),
    startedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + credit.durationMinutes * 60_000).toISOString(),
    creditKind: credit.kind,
    ledgerEntryId: credit.ledgerEntryId,
    cooldownMinutes: credit.cooldownMinutes,
    autoStarted: s.origin === 'auto',
  };
}

/** The 201 body of a start, and what its Idempotency-Key answers afterwards. */
export function startedAnswer(start: SessionStart) {
  return {
    status: 'ok' as const,
    session: {
      id: start.sessionId,
      mode: start.mode,
      session_type: start.sessionType,
      duration_minutes: start.durationMinutes,
      started_at: start.startedAt,
      expires_at: start.expiresAt,
      status: 'active' as const,
    },
  };
}
export type StartedAnswer = ReturnType<typeof startedAnswer>;
