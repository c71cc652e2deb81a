// Pure rules about a session as the API shows it. Its state machine is @hourglass/workflows' sessionStates.

import type { SessionStatus } from '@hourglass/workflows';

export type { SessionStatus };

export interface SessionRow {
  id: string;
  userId: string;
  participantId: string | null;
  mode: string;
  sessionType: string;
  status: SessionStatus;
  durationMinutes: number;
  startedAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  durationUsedSeconds: number | null;
  autoStarted: boolean;
}

/**
 * The status a reader should see at `now`. The workflow's timer ends the session at expires_at; in the moment between
 * the deadline and the timer's write, the deadline is still the truth: the session reads as expired.
 */
export function effectiveStatus(row: SessionRow, now: Date): SessionStatus {
  if (row.status === 'active' && now.getTime() >= row.expiresAt.getTime()) return 'expired';
  return row.status;
}

export function remainingSeconds(row: SessionRow, now: Date): number {
  if (effectiveStatus(row, now) !== 'active') return 0;
  return Math.max(0, Math.floor((row.expiresAt.getTime() - now.getTime()) / 1000));
}

/** Owner and participant may see and act on a session; admins and internal services may act on any. */
export function canAccess(row: Pick<SessionRow, 'userId' | 'participantId'>, principal: { sub: string; role: string }): boolean {
  return principal.role === 'admin' || principal.role === 'service' || row.userId === principal.sub || row.participantId === principal.sub;
}
