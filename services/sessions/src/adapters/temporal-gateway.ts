import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
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
  creditAvailableSignal,
  endSessionUpdate,
  extendSessionUpdate,
  gateStateQuery,
  refusalTypes,
  searchAttributes,
  setAutoStartUpdate,
  startSessionUpdate,
  taskQueues,
  workflowIds,
  type AutoStartRequest,
  type ExtendSessionRequest,
  type GateState,
  type SessionOutcome,
  type SessionState,
  type SessionView,
  type StartSessionRequest,
} from '@hourglass/workflows';

/** The sessions API's only door to Temporal: starts go through the user's gate, ends and extensions to the session. */
export interface WorkflowGateway {
  startSession(req: StartSessionRequest): Promise<SessionView>;
  /** null when the session workflow is gone (already finished): the read model has the final state. */
  endSession(sessionId: string, requestedBy: string): Promise<SessionOutcome | null>;
  extendSession(sessionId: string, req: ExtendSessionRequest): Promise<SessionState | null>;
  setAutoStart(userId: string, req: AutoStartRequest): Promise<GateState>;
  /** null when the user never had a gate. */
  gateState(userId: string): Promise<GateState | null>;
  /** Wakes the user's gate: a credit arrived (auto-start may now happen). No-op for users without a gate. */
  creditAvailable(userId: string, grantId: string): Promise<void>;
  /** Starts the pack's workflow (idempotent: an already running pack is fine). */
  startPack(input: PackInput): Promise<void>;
  /** Sends one of the pack's updates; null when the pack's workflow has finished. */
  updatePack(packId: string, update: 'complete' | 'schedule' | 'cancel', sessionId: string): Promise<PackState | null>;
  renewPack(packId: string, newPackId: string): Promise<PackState | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectWorkflowGateway({ address, namespace, tls }: { address: string; namespace: string; tls?: TemporalTls }): Promise<WorkflowGateway> {
  const connection = await Connection.connect({ address, tls });
  // Every start, update and signal carries the current trace id (the HTTP request's, or the consumed event's).
  const client = new Client({ connection, namespace, interceptors: { workflow: [traceClientInterceptor()] } });

  const gateStart = (userId: string) =>
    new WithStartWorkflowOperation('userGateWorkflow', {
      workflowId: workflowIds.gate(userId),
      taskQueue: taskQueues.sessions,
      args: [{ userId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: searchAttributes.userId, value: userId }],
    });

  return {
    async startSession(req) {
      try {
        return await client.workflow.executeUpdateWithStart(startSessionUpdate, {
          args: [req],
          updateId: `start:${req.requestId}`,
          startWorkflowOperation: gateStart(req.userId),
        });
      } catch (e) {
        throw toDomainError(e);
      }
    },

    async endSession(sessionId, requestedBy) {
      try {
        return await client.workflow.getHandle(workflowIds.session(sessionId)).executeUpdate(endSessionUpdate, { args: [{ requestedBy }] });
      } catch (e) {
        if (isGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async extendSession(sessionId, req) {
      try {
        return await client.workflow.getHandle(workflowIds.session(sessionId)).executeUpdate(extendSessionUpdate, { args: [req], updateId: `extend:${req.paymentId}` });
      } catch (e) {
        if (isGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async setAutoStart(userId, req) {
      try {
        return await client.workflow.executeUpdateWithStart(setAutoStartUpdate, { args: [req], startWorkflowOperation: gateStart(userId) });
      } catch (e) {
        throw toDomainError(e);
      }
    },

    async gateState(userId) {
      try {
        return await client.workflow.getHandle(workflowIds.gate(userId)).query(gateStateQuery);
      } catch (e) {
        if (isGone(e)) return null;
        throw e;
      }
    },

    async creditAvailable(userId, grantId) {
      try {
        await client.workflow.getHandle(workflowIds.gate(userId)).signal(creditAvailableSignal, { grantId });
      } catch (e) {
        if (!isGone(e)) throw e;
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
        if (isGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async renewPack(packId, newPackId) {
      try {
        return await client.workflow.getHandle(workflowIds.pack(packId)).executeUpdate(renewPackUpdate, { args: [{ newPackId }] });
      } catch (e) {
        if (isGone(e)) return null;
        throw toDomainError(e);
      }
    },

    async ping() {
      await connection.workflowService.getSystemInfo({});
    },

    close: () => connection.close(),
  };
}

function isGone(e: unknown): boolean {
  if (e instanceof WorkflowNotFoundError) return true;
  const msg = String((e as Error)?.message ?? '');
  return /workflow execution already completed|not found/i.test(msg);
}

/** Maps a refused update to the API's error; the refusal's details are the body fields. */
export function toDomainError(e: unknown): unknown {
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new DomainError('UNAVAILABLE', 'The request is still being processed; retry with the same Idempotency-Key');
  }
  if (e instanceof WorkflowUpdateFailedError) {
    const cause = e.cause;
    if (cause instanceof ApplicationFailure && cause.type && refusalTypes.includes(cause.type)) {
      const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
      return new DomainError(cause.type as ErrorCode, cause.message, details);
    }
    if (cause instanceof ApplicationFailure && cause.type === 'START_FAILED') {
      // Also a start that an outage held past its freshness window (gateRules.startStaleAfterMs). The same
      // Idempotency-Key gets this same answer again (the update id is derived from it): a new key starts afresh.
      return new DomainError('UNAVAILABLE', 'The session could not be started; no credit was taken. Try again with a new Idempotency-Key.', (cause.details?.[0] ?? {}) as Record<string, unknown>);
    }
    // A validator refusal (bad input that got past the edge).
    return new DomainError('VALIDATION_FAILED', cause?.message ?? e.message);
  }
  return e;
}
