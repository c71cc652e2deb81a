import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { currentTraceId, TRACE_HEADER, withTraceId, type Logger } from '@hourglass/logger';

/**
 * The trace id across Temporal (see @hourglass/logger trace.ts): the client puts the current one in the `trace-id`
 * header of every start, update and signal; workflows hand it on to their activities and children
 * (workflows/src/interceptors.ts); activities run with it, so their logs and the events they enqueue carry it.
 */

export function traceIdOf(headers: Headers | undefined): string | undefined {
  const payload = headers?.[TRACE_HEADER];
  if (!payload) return undefined;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  return typeof value === 'string' ? value : undefined;
}

function withTrace(headers: Headers): Headers {
  const traceId = currentTraceId();
  return traceId ? { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(traceId) } : headers;
}

/** For `new Client({ interceptors: { workflow: [traceClientInterceptor()] } })`. */
export function traceClientInterceptor(): WorkflowClientInterceptor {
  return {
    start: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    startWithDetails: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    signal: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    signalWithStart: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    startUpdate: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    startUpdateWithStart: (input, next) =>
      next({ ...input, workflowStartHeaders: withTrace(input.workflowStartHeaders), updateHeaders: withTrace(input.updateHeaders) }),
  };
}

/** Runs each activity with the trace id its workflow sent, and logs each execution (with it) when it ends. */
export function traceActivityInterceptor(logger: Logger): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      execute: (input, next) =>
        withTraceId(traceIdOf(input.headers), async () => {
          const started = Date.now();
          const what = { activity: ctx.info.activityType, workflowId: ctx.info.workflowExecution?.workflowId, attempt: ctx.info.attempt };
          try {
            const result = await next(input);
            logger.info({ ...what, ms: Date.now() - started }, 'activity completed');
            return result;
          } catch (err) {
            logger.warn({ ...what, ms: Date.now() - started, err }, 'activity failed');
            throw err;
          }
        }),
    },
  });
}
