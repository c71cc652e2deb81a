import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/** Task queues: workflows and sessions activities run on `sessions`; billing activities on `billing`. */
export const taskQueues = {
  sessions: 'sessions',
  billing: 'billing',
} as const;

export const workflowIds = {
  gate: (userId: string) => `user/${userId}`,
  session: (sessionId: string) => `session/${sessionId}`,
  pack: (packId: string) => `pack/${packId}`,
};

/**
 * Custom search attributes, so operators can filter in the Temporal UI ("HourglassUserId = 'u1' AND
 * HourglassStatus = 'active'", "HourglassStatus = 'grace'"). Registered by the local stack's Temporal
 * (deploy/local/src/search-attributes.ts) and, in production, by the namespace's operator.
 */
export const searchAttributes = {
  userId: defineSearchAttributeKey('HourglassUserId', SearchAttributeType.KEYWORD),
  sessionType: defineSearchAttributeKey('HourglassSessionType', SearchAttributeType.KEYWORD),
  packId: defineSearchAttributeKey('HourglassPackId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('HourglassStatus', SearchAttributeType.KEYWORD),
};

export type CreditKind = 'free' | 'paid' | 'test' | 'pack';
export type SessionType = 'freemium' | 'paid' | 'test' | 'pack';
export type SessionStatus = 'starting' | 'scheduled' | 'active' | 'ended' | 'expired' | 'cancelled' | 'abandoned';

/** Which session a credit of each kind buys. */
export const sessionTypeForCredit: Record<CreditKind, SessionType> = {
  free: 'freemium',
  paid: 'paid',
  test: 'test',
  pack: 'pack',
};

/**
 * Failure types that cross the workflow boundary as non-retryable ApplicationFailures. They are the same strings as
 * the HTTP error codes (`@hourglass/errors`), so the API maps them one to one; details[0] holds the body fields.
 */
export const refusals = {
  NO_CREDITS: 'NO_CREDITS',
  SESSION_LIMIT_EXCEEDED: 'session_limit_exceeded',
  MINUTES_LIMIT_EXCEEDED: 'minutes_limit_exceeded',
  COOLDOWN_ACTIVE: 'COOLDOWN_ACTIVE',
  SESSION_ALREADY_ACTIVE: 'SESSION_ALREADY_ACTIVE',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
} as const;
export type RefusalType = (typeof refusals)[keyof typeof refusals];
export const refusalTypes: readonly string[] = Object.values(refusals);
