import { allHandlersFinished, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { refusals, workflowIds } from '../contracts/common';
import {
  endSessionUpdate,
  extendSessionUpdate,
  sessionEndedSignal,
  sessionStateQuery,
  type EndSessionRequest,
  type SessionInput,
  type SessionOutcome,
  type SessionState,
} from '../contracts/messages';
import { billing, sessions } from './activity-proxies';
import { refuse } from './failures';
import { gateRules } from './gate-rules';


const MAX_EXTENSION_MINUTES = 24 * 60;

/**
 * One per session (id `session/<sessionId>`): holds the server-authoritative deadline. The session ends when its
 * owner ends it or by itself when the deadline passes — no client involved. The deadline moves only through
 * `extendSession`, once per payment id.
 */
export async function sessionWorkflow(input: SessionInput): Promise<SessionOutcome> {
  const state: SessionState = {
    sessionId: input.sessionId,
    userId: input.userId,
    status: 'active',
    sessionType: input.sessionType,
    durationMinutes: input.durationMinutes,
    startedAt: input.startedAt,
    expiresAt: input.expiresAt,
    appliedPayments: [],
    outcome: null,
  };
  let endRequest: EndSessionRequest | null = null;
  let deadlineMoved = false;

  setHandler(sessionStateQuery, () => state);

  setHandler(
    endSessionUpdate,
    async (req) => {
      endRequest ??= req;
      await condition(() => state.outcome !== null);
      return state.outcome!;
    },
    { validator: (req) => { if (!req.requestedBy) throw new Error('requestedBy is required'); } },
  );

  setHandler(
    extendSessionUpdate,
    ({ paymentId, minutes }) => {
      if (state.appliedPayments.includes(paymentId)) return state; // replayed payment: already applied
      state.expiresAt = new Date(Date.parse(state.expiresAt) + minutes * 60_000).toISOString();
      state.durationMinutes += minutes;
      state.appliedPayments.push(paymentId);
      deadlineMoved = true;
      return state;
    },
    {
      validator: ({ paymentId, minutes }) => {
        if (!paymentId) throw new Error('paymentId is required');
        if (!Number.isInteger(minutes) || minutes <= 0 || minutes > MAX_EXTENSION_MINUTES) throw new Error('minutes must be a positive whole number');
        if (state.appliedPayments.includes(paymentId)) return;
        if (state.status !== 'active' || endRequest !== null || Date.now() >= Date.parse(state.expiresAt)) {
          throw refuse(refusals.INVALID_TRANSITION, 'Only an active session can be extended', { from: endRequest ? 'ending' : state.status, to: 'extended' });
        }
      },
    },
  );

  // Wait for an end request or the deadline, whichever comes first; an extension re-arms the timer.
  for (;;) {
    const remainingMs = Date.parse(state.expiresAt) - Date.now();
    if (remainingMs <= 0 || endRequest) break;
    await condition(() => endRequest !== null || deadlineMoved, remainingMs);
    deadlineMoved = false;
  }

  const endedAtMs = Math.min(Date.now(), Date.parse(state.expiresAt));
  const outcome: SessionOutcome = {
    sessionId: state.sessionId,
    status: endRequest ? 'ended' : 'expired',
    endedAt: new Date(endedAtMs).toISOString(),
    durationUsedSeconds: gateRules.durationUsedSeconds(state.startedAt, endedAtMs, state.expiresAt),
  };

  // Read model first (so the answer to `end` is visible at once), then free the gate (cooldown starts), then usage.
  await sessions.recordSessionEnded({ ...outcome, userId: state.userId, sessionType: state.sessionType });
  await getExternalWorkflowHandle(workflowIds.gate(state.userId)).signal(sessionEndedSignal, { sessionId: state.sessionId, endedAt: outcome.endedAt });
  await billing.recordUsage({ userId: state.userId, sessionId: state.sessionId, seconds: outcome.durationUsedSeconds, startedAt: state.startedAt });

  state.status = outcome.status;
  state.outcome = outcome;
  await condition(allHandlersFinished);
  return outcome;
}
