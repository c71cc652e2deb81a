import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { isPermanentFailure, sqlStateOf } from '@hourglass/errors';

/** The failure type of an activity that failed on its data (see isPermanentFailure): retrying cannot fix it. */
export const INVALID_DATA = 'INVALID_DATA';

/**
 * An activity failure that retrying cannot fix — PostgreSQL refusing the data itself (SQLSTATE class 22, or 23 but a
 * unique/exclusion race) — leaves the activity as a non-retryable ApplicationFailure, so the step fails at once and the
 * workflow decides (gives a credit back, refuses) instead of retrying for ever behind a user's later requests. An
 * ApplicationFailure the activity threw itself is left as it is: it said already whether to retry.
 */
export function asNonRetryableWhenPermanent(err: unknown): unknown {
  if (err instanceof ApplicationFailure || !isPermanentFailure(err)) return err;
  const sqlState = sqlStateOf(err);
  return ApplicationFailure.create({
    type: INVALID_DATA,
    message: `${(err as Error)?.message ?? String(err)}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}`,
    nonRetryable: true,
    details: sqlState ? [{ sqlstate: sqlState }] : [],
    cause: err instanceof Error ? err : undefined,
  });
}

/** For Worker.create's `interceptors.activity`. */
export function nonRetryableDataFailures(): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      execute: async (input, next) => {
        try {
          return await next(input);
        } catch (err) {
          throw asNonRetryableWhenPermanent(err);
        }
      },
    },
  });
}
