import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type PackStatus = 'active' | 'depleted' | 'grace' | 'renewed' | 'expired' | 'released';
export type SeatStatus = 'held' | 'grace' | 'released';

export interface PackInput {
  packId: string;
  studentId: string;
  mentorId: string;
  totalSessions: number;
  /** Hours the seat is held after the last session (72 by default). */
  graceHours: number;
  /** Hours before the grace ends when the final warning goes out (12 by default). */
  finalWarningHours: number;
  /** Optional end date of the pack (ISO); at that point it expires with the same seat rule as the grace. */
  expiresAt?: string;
  /** Carried across continue-as-new. */
  state?: PackState;
}

export interface PackState {
  packId: string;
  studentId: string;
  mentorId: string;
  totalSessions: number;
  remainingSessions: number;
  /** Completed session ids in order: the session number is the position here, not a count query. */
  completed: string[];
  scheduled: string[];
  status: PackStatus;
  seatStatus: SeatStatus;
  graceEndsAt: string | null;
  renewedBy: string | null;
  reminders: string[];
}

export const completePackSessionUpdate = defineUpdate<PackState, [{ sessionId: string }]>('completePackSession');
export const schedulePackSessionUpdate = defineUpdate<PackState, [{ sessionId: string }]>('schedulePackSession');
export const cancelPackSessionUpdate = defineUpdate<PackState, [{ sessionId: string }]>('cancelPackSession');
/** A new pack for the same student and mentor was paid: it takes the seat; this one stops its grace. */
export const renewPackUpdate = defineUpdate<PackState, [{ newPackId: string }]>('renewPack');
export const packStateQuery = defineQuery<PackState>('packState');

export interface PackNotice {
  templateId: 'pack_one_session_left' | 'pack_complete_renew' | 'pack_seat_final_warning';
  userId: string;
  dedupeKey: string;
  data: Record<string, string>;
}

/** Activities of the sessions worker for packs: the read model, pack events and notification requests. */
export interface PackActivities {
  /** Upserts the pack's read model row and emits `sessions.pack.<event>.v1` in one transaction. Idempotent per (pack, event key). */
  recordPackChange(input: { state: PackState; event: 'created' | 'completed_session' | 'depleted' | 'grace_started' | 'renewed' | 'seat_released' | 'expired'; eventKey: string; sessionId?: string }): Promise<void>;
  /** Writes `notifications.requested.v1` with a dedupe key (one message however often it is asked). */
  requestPackNotice(notice: PackNotice): Promise<void>;
}
