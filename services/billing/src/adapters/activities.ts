import { ApplicationFailure } from '@temporalio/common';
import { isDomainError, type DomainError } from '@hourglass/errors';
import type { BillingActivities } from '@hourglass/workflows';
import * as ledger from '../use-cases/ledger';

/** Domain refusals cross into workflows as non-retryable failures whose type is the error code. */
function asActivityFailure(e: unknown): unknown {
  if (!isDomainError(e)) return e;
  const err = e as DomainError;
  return ApplicationFailure.create({ type: err.code, message: err.message, details: [err.details], nonRetryable: true });
}

const guarded =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (e) {
      throw asActivityFailure(e);
    }
  };

/** The billing worker's activities (task queue `billing`): the only writer of credits. */
export function createBillingActivities(deps: ledger.LedgerDeps): BillingActivities {
  return {
    consumeCredit: guarded((input) => ledger.consumeCredit(deps, input)),
    refundConsumption: guarded((input) => ledger.refundConsumption(deps, input)),
    recordUsage: guarded((input) => ledger.recordUsage(deps, input)),
    creditAvailability: guarded(({ userId }) => ledger.creditAvailability(deps, userId)),
  };
}
