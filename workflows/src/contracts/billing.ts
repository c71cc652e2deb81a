import type { CreditKind, SessionType } from './common';

export interface ConsumeCreditInput {
  userId: string;
  /** The session this credit pays for; also the idempotency key — a retried activity never takes a second credit. */
  sessionId: string;
  /** Preferred kind (e.g. `test`); when absent the burn order decides. */
  preferredKind?: CreditKind;
}

export interface ConsumeCreditResult {
  ledgerEntryId: string;
  grantId: string;
  kind: CreditKind;
  sessionType: SessionType;
  /** Session length the user's plan gives this session type. */
  durationMinutes: number;
  /** Cooldown the user's plan imposes after this session ends. */
  cooldownMinutes: number;
  planId: string;
}

export interface RefundConsumptionInput {
  userId: string;
  sessionId: string;
  reason: string;
}

export interface RecordUsageInput {
  userId: string;
  sessionId: string;
  seconds: number;
  /** ISO time the session started; usage counts toward the billing period containing it. */
  startedAt: string;
}

export interface CreditAvailability {
  hasCredit: boolean;
  freeRemaining: number;
  paidRemaining: number;
  totalAvailable: number;
}

/**
 * Activities implemented by the billing worker (task queue `billing`). Refusals are thrown as non-retryable
 * ApplicationFailures with a type from `refusals`:
 * - NO_CREDITS, details[0] = { free_remaining, paid_remaining, total_available }
 * - session_limit_exceeded / minutes_limit_exceeded, details[0] = { plan, current_usage, limit, period_start, period_end }
 */
export interface BillingActivities {
  /** Checks plan limits for the current period, then takes one credit in burn order. Idempotent per sessionId. */
  consumeCredit(input: ConsumeCreditInput): Promise<ConsumeCreditResult>;
  /** Gives back the credit taken for sessionId (the session could not start). Idempotent; no-op if none was taken. */
  refundConsumption(input: RefundConsumptionInput): Promise<void>;
  /** Records a finished session's seconds in the period's usage. Idempotent per sessionId. */
  recordUsage(input: RecordUsageInput): Promise<void>;
  /** Whether the user could pay for a session now (grants the signup credits on first sight, like every read). */
  creditAvailability(input: { userId: string }): Promise<CreditAvailability>;
}
