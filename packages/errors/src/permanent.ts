/**
 * Whether a failure is the data's own, so that doing the same thing again cannot succeed: PostgreSQL's data
 * exceptions (SQLSTATE class 22: a NUL byte in text, a number out of range, a malformed value) and integrity
 * violations (class 23: a NOT NULL, foreign key or CHECK refusal), or a failure its thrower already marked
 * non-retryable (Temporal's ApplicationFailure). A retry of such a step only keeps whoever waits for it waiting:
 * an activity fails the step at once, a consumer dead-letters the message at once.
 *
 * Not permanent: a unique or exclusion violation (23505, 23P01), where a concurrent writer won and a retry finds its
 * row; and everything isTransientFailure recognises.
 */
const PG_PERMANENT = /^(22[0-9A-Z]{3}|23[0-9A-Z]{3})$/;
const PG_RACE = new Set(['23505', '23P01']);

export function isPermanentFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; nonRetryable?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && PG_PERMANENT.test(e.code) && !PG_RACE.has(e.code)) return true;
  if (e.nonRetryable === true) return true;
  return isPermanentFailure(e.cause, depth + 1);
}

/** The SQLSTATE of a PostgreSQL failure, looking through causes. */
export function sqlStateOf(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return sqlStateOf(e.cause, depth + 1);
}
