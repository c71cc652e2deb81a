import type { SessionStatus, SessionType } from './common';
import type { SessionInput } from './messages';

/** What the read model stores when a session starts: the workflow's input plus how it was paid for. */
export interface SessionRecord extends SessionInput {
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
  /** Who ended it (absent when the timer did). */
  endedBy?: string;
}

/** Activities implemented by the sessions worker (task queue `sessions`): its read model and its outbox. */
export interface SessionsActivities {
  /** Inserts the session row and its `sessions.session.started.v1` outbox event in one transaction. Idempotent. */
  recordSessionStarted(record: SessionRecord): Promise<void>;
  /** Marks the row ended/expired and writes `sessions.session.ended.v1`, in one transaction. Idempotent. */
  recordSessionEnded(record: SessionEndRecord): Promise<void>;
  /** Tells the session's participants it ends soon (`session:ending_soon`), once per deadline. Idempotent. */
  recordSessionEndingSoon(notice: SessionEndingSoon): Promise<void>;
}

export interface SessionEndingSoon {
  sessionId: string;
  userId: string;
  expiresAt: string;
}
