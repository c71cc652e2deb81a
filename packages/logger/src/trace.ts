import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The trace id of the work in progress: an HTTP request's id (its `x-request-id`, or a new one), carried through
 * Temporal headers into workflows and activities and through the `trace-id` Kafka header into consumers. Every log
 * line written while it is set carries it as `trace_id`, and every event enqueued then carries it on.
 */
const store = new AsyncLocalStorage<string>();

export const TRACE_HEADER = 'trace-id';

export function currentTraceId(): string | undefined {
  return store.getStore();
}

/** Runs fn with traceId as the current trace id (fn as it is, when there is none). */
export function withTraceId<T>(traceId: string | undefined, fn: () => T): T {
  return traceId ? store.run(traceId, fn) : fn();
}
