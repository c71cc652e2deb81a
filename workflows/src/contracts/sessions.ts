import type { CreditKind, SessionStatus, SessionType } from './common';
import type { SessionInput } from './messages';

/**
 * What a session's workflow (`timedSessionWorkflow`, id `session/<sessionId>`) starts with: the start was decided
 * by the sessions service's gate in PostgreSQL and paid for by billing before the workflow exists.
 */
export interface SessionStart {
  sessionId: string;
  userId: string;
  participantId?: string;
  mode: string;
  sessionType: SessionType;
  /** The length shown, in whole minutes (plans may give fractional minutes; `expiresAt` is exact). */
  durationMinutes: number;
  startedAt: string;
  expiresAt: string;
  creditKind: CreditKind;
  ledgerEntryId: string;
  /** The cooldown the user's plan imposes once this session is over. */
  cooldownMinutes: number;
  autoStarted: boolean;
}

/** A session that is over: what its workflow tells the read model, billing's usage and the user's gate. */
export interface SessionFinish {
  sessionId: string;
  userId: string;
  status: Extract<SessionStatus, 'ended' | 'expired'>;
  endedAt: string;
  durationUsedSeconds: number;
  sessionType: SessionType;
  startedAt: string;
  cooldownMinutes: number;
  /** Who ended it (absent when the timer did). */
  endedBy?: string;
}

export interface SessionExtension {
  sessionId: string;
  userId: string;
  paymentId: string;
  addedMinutes: number;
  expiresAt: string;
  durationMinutes: number;
}

/**
 * The session workflow's short steps, run as local activities in the sessions worker (the workflow's own process: no
 * task-queue hop). Each is idempotent: a retried or replayed step changes nothing twice.
 */
export interface SessionStepActivities {
  /**
   * The session's row moves from `starting` to `active` with its `session:started` event (whoever gets there first:
   * the sessions API right after starting this workflow, or this step). `abandoned` when the start was given up
   * meanwhile (its caller left, the credit went back): the workflow then ends at once.
   */
  activateSession(start: SessionStart): Promise<'active' | 'abandoned'>;
  /** The new deadline in the read model, with `session:extended` and `sessions.session.extended.v1`. */
  recordSessionExtended(extension: SessionExtension): Promise<void>;
  /** `session:ending_soon`, once per deadline. */
  recordSessionEndingSoon(notice: SessionEndingSoon): Promise<void>;
  /**
   * Usage into billing first (so the next start's plan limits count it), then the row ended or expired, the user's
   * cooldown in their gate row, `session:ended|expired` and `sessions.session.ended.v1`, in one transaction.
   */
  finishSession(finish: SessionFinish): Promise<void>;
  /** The cooldown is over: the user's next session starts now if they asked for it and a credit is there. */
  startNextSession(input: { userId: string; afterSessionId: string }): Promise<void>;
}

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

/**
 * Activities of the legacy gate and session workflows (task queue `sessions`), kept for executions started before the
 * start gate moved into PostgreSQL: the read model and its outbox.
 */
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
