// FROZEN: workflow code of executions started before the start gate moved into PostgreSQL. It stays registered, and
// unchanged, so that such executions (a user's gate `user/<id>`, the sessions it started) replay and finish as they
// began; nothing new is started with it. Replay tests hold it to its recorded histories. See ARCHITECTURE.md,
// "Upgrading from the gate workflow".
import { allHandlersFinished, condition, getExternalWorkflowHandle, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { refusals, searchAttributes, workflowIds } from '../../contracts/common';
import {
  endSessionUpdate,
  extendSessionUpdate,
  sessionEndedSignal,
  sessionStateQuery,
  type EndSessionRequest,
  type SessionInput,
  type SessionOutcome,
  type SessionState,
} from '../../contracts/messages';
import { billing, sessions } from '../activity-proxies';
import { refuse } from '../failures';
import { gateRules } from '../gate-rules';
import { sessionStates } from '../session-states';


const MAX_EXTENSION_MINUTES = 24 * 60;
/** How long before the deadline participants hear `session:ending_soon` (the seeds' "1 minute left"). */
export const ENDING_SOON_MS = 60_000;

function transitionTo(from: SessionState['status'], action: 'end' | 'expire'): 'ended' | 'expired' {
  const t = sessionStates.transition(from, action);
  if (!t.ok) throw new Error(`illegal session transition ${t.from} → ${t.to}`); // a bug: fail the task, not the session
  return t.to as 'ended' | 'expired';
}

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
        // An end requested or a deadline passed is as final as the status it is about to become.
        const current = endRequest ? 'ended' : Date.now() >= Date.parse(state.expiresAt) ? 'expired' : state.status;
        const t = sessionStates.transition(current, 'extend');
        if (!t.ok) throw refuse(refusals.INVALID_TRANSITION, 'Only an active session can be extended', { from: t.from, to: t.to });
      },
    },
  );

  // Wait for an end request or the deadline, whichever comes first; an extension re-arms the timer. A minute before
  // each deadline the participants are told it is near (histories from before that existed replay without it).
  let warnedFor: string | null = null;
  for (;;) {
    const remainingMs = Date.parse(state.expiresAt) - Date.now();
    if (remainingMs <= 0 || endRequest) break;
    const warn = warnedFor !== state.expiresAt && patched('session-ending-soon');
    if (warn && remainingMs <= ENDING_SOON_MS) {
      warnedFor = state.expiresAt;
      await sessions.recordSessionEndingSoon({ sessionId: state.sessionId, userId: state.userId, expiresAt: state.expiresAt });
      continue;
    }
    await condition(() => endRequest !== null || deadlineMoved, warn ? remainingMs - ENDING_SOON_MS : remainingMs);
    deadlineMoved = false;
  }

  const endedAtMs = Math.min(Date.now(), Date.parse(state.expiresAt));
  const outcome: SessionOutcome = {
    sessionId: state.sessionId,
    status: transitionTo(state.status, endRequest ? 'end' : 'expire'),
    endedAt: new Date(endedAtMs).toISOString(),
    durationUsedSeconds: gateRules.durationUsedSeconds(state.startedAt, endedAtMs, state.expiresAt),
  };

  // Read model first (so the answer to `end` is visible at once), then free the gate (cooldown starts), then usage.
  await sessions.recordSessionEnded({ ...outcome, userId: state.userId, sessionType: state.sessionType, ...(endRequest ? { endedBy: (endRequest as EndSessionRequest).requestedBy } : {}) });
  await getExternalWorkflowHandle(workflowIds.gate(state.userId)).signal(sessionEndedSignal, { sessionId: state.sessionId, endedAt: outcome.endedAt });
  await billing.recordUsage({ userId: state.userId, sessionId: state.sessionId, seconds: outcome.durationUsedSeconds, startedAt: state.startedAt });

  state.status = outcome.status;
  if (patched('session-status-search-attribute')) upsertSearchAttributes([{ key: searchAttributes.status, value: outcome.status }]);
  state.outcome = outcome;
  await condition(allHandlersFinished);
  return outcome;
}
