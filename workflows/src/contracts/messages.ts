import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SessionStatus, SessionType, CreditKind } from './common';

// ---- UserGateWorkflow (id user/<userId>) -------------------------------------------------------------------------

export interface GateInput {
  userId: string;
  /** Carried across continue-as-new. */
  state?: GateState;
}

export interface StartSessionRequest {
  /** Idempotency key: the same request id always yields the same answer. */
  requestId: string;
  userId: string;
  mode: string;
  preferredKind?: CreditKind;
  participantId?: string;
  /**
   * When the caller asked (ISO time, set by the sessions API). A request older than `gateRules.startStaleAfterMs`
   * when the gate gets to it starts nothing: its caller has given up, and a session's clock must not run for nobody.
   * Auto-starts have none (they start whenever they can).
   */
  requestedAt?: string;
}

export interface SessionView {
  id: string;
  userId: string;
  mode: string;
  sessionType: SessionType;
  durationMinutes: number;
  startedAt: string;
  expiresAt: string;
  status: SessionStatus;
  autoStarted: boolean;
}

export interface AutoStartRequest {
  enabled: boolean;
  mode?: string;
}

export interface GateState {
  userId: string;
  activeSessionId: string | null;
  /** ISO; null when no cooldown was ever set. */
  cooldownUntil: string | null;
  autoStart: { mode: string; requestedAt: string } | null;
  /** Recent start answers by request id, so a retried request gets the same session (bounded). */
  recentStarts: Array<{ requestId: string; session: SessionView }>;
  /** Sessions whose end was already applied, so a late or repeated end signal changes nothing (bounded). */
  endedSessionIds: string[];
  /** The cooldown the active session's plan imposes once it ends. */
  activeCooldownMinutes: number;
}

export interface SessionEndedNotice {
  sessionId: string;
  endedAt: string;
}

export const startSessionUpdate = defineUpdate<SessionView, [StartSessionRequest]>('startSession');
export const setAutoStartUpdate = defineUpdate<GateState, [AutoStartRequest]>('setAutoStart');
export const sessionEndedSignal = defineSignal<[SessionEndedNotice]>('sessionEnded');
/** A credit arrived for this user (payments): try an auto-start now if the cooldown allows. */
export const creditAvailableSignal = defineSignal<[{ grantId: string }]>('creditAvailable');
export const gateStateQuery = defineQuery<GateState>('gateState');

// ---- SessionWorkflow (id session/<sessionId>) --------------------------------------------------------------------

export interface SessionInput {
  sessionId: string;
  userId: string;
  participantId?: string;
  mode: string;
  sessionType: SessionType;
  durationMinutes: number;
  startedAt: string;
  expiresAt: string;
}

export interface EndSessionRequest {
  requestedBy: string;
}

export interface SessionOutcome {
  sessionId: string;
  status: 'ended' | 'expired' | 'cancelled';
  endedAt: string;
  durationUsedSeconds: number;
}

export interface ExtendSessionRequest {
  /** The payment that bought the minutes: an extension is applied once per payment id. */
  paymentId: string;
  minutes: number;
}

export interface SessionState {
  sessionId: string;
  userId: string;
  status: SessionStatus;
  sessionType: SessionType;
  durationMinutes: number;
  startedAt: string;
  expiresAt: string;
  appliedPayments: string[];
  outcome: SessionOutcome | null;
}

export const endSessionUpdate = defineUpdate<SessionOutcome, [EndSessionRequest]>('endSession');
export const extendSessionUpdate = defineUpdate<SessionState, [ExtendSessionRequest]>('extendSession');
export const sessionStateQuery = defineQuery<SessionState>('sessionState');
