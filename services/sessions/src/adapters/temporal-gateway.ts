import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalTls } from '@hourglass/config';
import { DomainError, type ErrorCode } from '@hourglass/errors';
// The tracing module alone: the worker package's index loads the native worker runtime, which an API does not need.
import { traceClientInterceptor } from '@hourglass/worker/src/tracing';
import {
  cancelPackSessionUpdate,
  completePackSessionUpdate,
  renewPackUpdate,
  schedulePackSessionUpdate,
  type PackInput,
  type PackState,
  endSessionUpdate,
  extendSessionUpdate,
  refusalTypes,
  searchAttributes,
  taskQueues,
  workflowIds,
  type ExtendSessionRequest,
  type SessionOutcome,
  type SessionStart,
  type SessionState,
} from '@hourglass/workflows';

/** Starts a session's workflow: all the start path needs of Temporal (one call). */
export interface SessionWorkflowStarter {
  /** Starts `session/<id>` with its deadline; starting one that already exists is not an error (a resumed start). */
  startSessionWorkflow(start: SessionStart): Promise<void>;
}

/** The sessions service's only door to Temporal: session workflows (start, end, extend) and pack workflows. */
export interface WorkflowGateway extends SessionWorkflowStarter {
  /** null when the session workflow is gone (already finished): the read model has the final state. */
  endSession(sessionId: string, requestedBy: string): Promise<SessionOutcome | null>;
  extendSession(sessionId: string, req: ExtendSessionRequest): Promise<SessionState | null>;
  /** Starts the pack's workflow (idempotent: an already running pack is fine). */
  startPack(input: PackInput): Promise<void>;
  /** Sends one of the pack's updates; null when the pack's workflow has finished. */
  updatePack(packId: string, update: 'complete' | 'schedule' | 'cancel', sessionId: string): Promise<PackState | null>;
  renewPack(packId: string, newPackId: string): Promise<PackState | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectWorkflowGateway({ address, namespace, tls }: { address: string; namespace: string; tls?: TemporalTls }): Promise<WorkflowGateway> {
  // The SDK's native (Rust) connection: a start or an update costs this process a fraction of what the pure-JS gRPC
  // client's does (measured on bench:start-end).
  const connection = await NativeConnection.connect({ address, tls });
  // Every start, update and signal carries the current trace id (the HTTP request's, or the consumed event's).
  const client = new Client({ connection, namespace, interceptors: { workflow: [traceClientInterceptor()] } });

  return {
    startSessionWorkflow: sessionWorkflowStarter(client).startSessionWorkflow,

    async endSession(sessionId, requestedBy) {
      try {
        return await client.workflow.getHandle(workflowIds.session(sessionId)).executeUpdate(endSessionUpdate, { args: [{ requestedBy }] });
      } catch (e) {
        if (isWorkflowGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async extendSession(sessionId, req) {
      try {
        return await client.workflow.getHandle(workflowIds.session(sessionId)).executeUpdate(extendSessionUpdate, { args: [req], updateId: `extend:${req.paymentId}` });
      } catch (e) {
        if (isWorkflowGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async startPack(input) {
      try {
        await client.workflow.start('sessionPackWorkflow', {
          workflowId: workflowIds.pack(input.packId),
          taskQueue: taskQueues.sessions,
          args: [input],
          typedSearchAttributes: [
            { key: searchAttributes.userId, value: input.studentId },
            { key: searchAttributes.packId, value: input.packId },
            { key: searchAttributes.status, value: 'active' },
          ],
        });
      } catch (e) {
        if ((e as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw e;
      }
    },

    async updatePack(packId, update, sessionId) {
      const def = { complete: completePackSessionUpdate, schedule: schedulePackSessionUpdate, cancel: cancelPackSessionUpdate }[update];
      try {
        return await client.workflow.getHandle(workflowIds.pack(packId)).executeUpdate(def, { args: [{ sessionId }] });
      } catch (e) {
        if (isWorkflowGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async renewPack(packId, newPackId) {
      try {
        return await client.workflow.getHandle(workflowIds.pack(packId)).executeUpdate(renewPackUpdate, { args: [{ newPackId }] });
      } catch (e) {
        if (isWorkflowGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async ping() {
      await connection.workflowService.getSystemInfo({});
    },

    close: () => connection.close(),
  };
}

/** Starts session workflows through a client (the sessions API's, or one a worker builds on its own connection). */
export function sessionWorkflowStarter(client: Client): SessionWorkflowStarter {
  return {
    async startSessionWorkflow(start) {
      try {
        await client.workflow.start('timedSessionWorkflow', {
          workflowId: workflowIds.session(start.sessionId),
          taskQueue: taskQueues.sessions,
          args: [start],
          // Set once at start (the status changes once more, when the session is over).
          typedSearchAttributes: [
            { key: searchAttributes.userId, value: start.userId },
            { key: searchAttributes.sessionType, value: start.sessionType },
            { key: searchAttributes.status, value: 'active' },
          ],
        });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    },
  };
}

/**
 * Whether the workflow itself is over or unknown. Every gRPC NOT_FOUND becomes a WorkflowNotFoundError in the SDK,
 * including "Namespace default is not found." from a Temporal server still starting up: that one is transient and must
 * be retried, never read as "the session is over" (a paid extension would be refunded after it was applied).
 */
export function isWorkflowGone(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? '');
  if (/workflow execution already completed/i.test(msg)) return true;
  return e instanceof WorkflowNotFoundError && !/namespace \S+ is not found/i.test(msg);
}

/** Maps a refused update to the API's error; the refusal's details are the body fields. */
export function toDomainError(e: unknown): unknown {
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new DomainError('UNAVAILABLE', 'The request is still being processed; retry it');
  }
  if (e instanceof WorkflowUpdateFailedError) {
    const cause = e.cause;
    if (cause instanceof ApplicationFailure && cause.type && refusalTypes.includes(cause.type)) {
      const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
      return new DomainError(cause.type as ErrorCode, cause.message, details);
    }
    // A validator refusal (bad input that got past the edge).
    return new DomainError('VALIDATION_FAILED', cause?.message ?? e.message);
  }
  return e;
}
