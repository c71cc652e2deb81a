import type { SessionStatus, SessionType } from './common';

export interface SessionRecord {
  sessionId: string;
  userId: string;
  participantId?: string;
  mode: string;
  sessionType: SessionType;
  durationMinutes: number;
  /** ISO timestamps, from workflow time. */
  startedAt: string;
  expiresAt: string;
  autoStarted: boolean;
  creditKind: string;
  ledgerEntryId: string;
}

export interface SessionEndRecord {
  sessionId: string;
  userId: string;
  status: Extract<SessionStatus, 'ended' | 'expired' | 'cancelled'>;
  endedAt: string;
  durationUsedSeconds: number;
  sessionType: SessionType;
}

/** Activities implemented by the sessions worker (task queue `sessions`): its read model and its outbox. */
export interface SessionsActivities {
  /** Inserts the session row and its `sessions.session.started.v1` outbox event in one transaction. Idempotent. */
  recordSessionStarted(record: SessionRecord): Promise<void>;
  /** Marks the row ended/expired and writes `sessions.session.ended.v1`, in one transaction. Idempotent. */
  recordSessionEnded(record: SessionEndRecord): Promise<void>;
}
