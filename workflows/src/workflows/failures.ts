import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { refusalTypes, type RefusalType } from '../contracts/common';
import { gateRules } from './gate-rules';

export function refuse(type: RefusalType, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, details: [details], nonRetryable: true });
}

/** The refusal an activity reported (e.g. NO_CREDITS from billing), if that is what this error is. */
export function refusalOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && refusalTypes.includes(cause.type)) return cause;
  return undefined;
}

/**
 * Re-throws an activity refusal as the handler's own ApplicationFailure (so the update caller sees type and details);
 * any other error becomes a non-retryable START_FAILED failure rather than failing the workflow task.
 */
export function asUpdateFailure(err: unknown, fallbackMessage: string): ApplicationFailure {
  const refusal = refusalOf(err);
  if (refusal) return ApplicationFailure.create({ type: refusal.type!, message: refusal.message, details: refusal.details as unknown[], nonRetryable: true });
  if (err instanceof ApplicationFailure) return err;
  return ApplicationFailure.create({ type: 'START_FAILED', message: `${fallbackMessage}: ${(err as Error)?.message ?? String(err)}`, nonRetryable: true });
}

/**
 * The refusal for a start that waited past `gateRules.startStaleAfterMs` (an outage held it), or undefined while the
 * request is fresh (or is an auto-start, which carries no `requestedAt`).
 */
export function staleStartFailure(requestedAt: string | undefined, nowMs: number): ApplicationFailure | undefined {
  if (!gateRules.isStartStale(requestedAt, nowMs)) return undefined;
  const waitedSeconds = Math.round((nowMs - Date.parse(requestedAt!)) / 1000);
  return ApplicationFailure.create({ type: 'START_FAILED', message: `The start request waited ${waitedSeconds} s (requested at ${requestedAt}); nothing was started`, details: [{ requested_at: requestedAt, waited_seconds: waitedSeconds }], nonRetryable: true });
}
