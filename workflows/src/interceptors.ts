// Workflow interceptors (workflow code: runs in the sandbox, deterministic): the trace id that came with the
// workflow's start, or with the latest update or signal it handled, goes on to every activity, child workflow and
// signal it sends, in the same `trace-id` header the client and activity interceptors use (packages/worker
// tracing.ts). Headers are not part of replay's command matching, so histories recorded before replay unchanged.
import { type Headers, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

const TRACE_HEADER = 'trace-id';
let traceHeader: Headers[string] | undefined;

const remember = (headers: Headers) => {
  if (headers[TRACE_HEADER]) traceHeader = headers[TRACE_HEADER];
};
const withTrace = (headers: Headers): Headers => (traceHeader && !headers[TRACE_HEADER] ? { ...headers, [TRACE_HEADER]: traceHeader } : headers);

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute: (input, next) => {
        remember(input.headers);
        return next(input);
      },
      handleUpdate: (input, next) => {
        remember(input.headers);
        return next(input);
      },
      handleSignal: (input, next) => {
        remember(input.headers);
        return next(input);
      },
    },
  ],
  outbound: [
    {
      scheduleActivity: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
      signalWorkflow: (input, next) => next({ ...input, headers: withTrace(input.headers) }),
    },
  ],
});
