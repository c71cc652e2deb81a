import { allHandlersFinished, condition, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { refusals, searchAttributes } from '../contracts/common';
import {
  endSessionUpdate,
  extendSessionUpdate,
  sessionStateQuery,
  type EndSessionRequest,
  type SessionOutcome,
  type SessionState,
} from '../contracts/messages';
import type { SessionStart } from '../contracts/sessions';
import { steps } from './activity-proxies';
import { refuse } from './failures';
import { gateRules } from './gate-rules';
import { sessionStates } from './session-states';

const MAX_EXTENSION_MINUTES = 24 * 60;

/**
 * One per session (id `session/<sessionId>`), started by the sessions service once its gate has decided the start and
 * billing has taken the credit. It holds the server-authoritative deadline and the cooldown that follows:
 * - the session ends when a participant ends it (`endSession`, idempotent) or by itself when the deadline passes;
 * - the deadline moves only through `extendSession`, once per payment id, and the new deadline is recorded before the
 *   session can end, so an extension that was applied is never missing from the read model;
 * - a minute before each deadline the participants hear `session:ending_soon`;
 * - once over, the cooldown of the user's plan runs here, and when it is over the user's next session starts by
 *   itself if they asked for it and a credit is there.
 * Every step is a local activity: a start, an extension and an end each cost one workflow task. A session asleep on
 * its timer may be evicted from the worker's cache and replays its short history when the timer fires.
 */
export async function timedSessionWorkflow(start: SessionStart): Promise<SessionOutcome> {
  const state: SessionState = {
    sessionId: start.sessionId,
    userId: start.userId,
    status: 'active',
    sessionType: start.sessionType,
    durationMinutes: start.durationMinutes,
    startedAt: start.startedAt,
    expiresAt: start.expiresAt,
    appliedPayments: [],
    outcome: null,
  };
  let activated = false;
  let endRequest: EndSessionRequest | null = null;
  let deadlineMoved = false;
  let extensionsBeingRecorded = 0;

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
    async ({ paymentId, minutes }) => {
      if (state.appliedPayments.includes(paymentId)) return state; // replayed payment: already applied
      state.appliedPayments.push(paymentId);
      state.expiresAt = new Date(Date.parse(state.expiresAt) + minutes * 60_000).toISOString();
      state.durationMinutes += minutes;
      deadlineMoved = true;
      extensionsBeingRecorded += 1;
      try {
        await condition(() => activated);
        await steps.recordSessionExtended({ sessionId: state.sessionId, userId: state.userId, paymentId, addedMinutes: minutes, expiresAt: state.expiresAt, durationMinutes: state.durationMinutes });
      } finally {
        extensionsBeingRecorded -= 1;
      }
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

  if ((await steps.activateSession(start)) === 'abandoned') {
    // The start was given up before this workflow got to it (its caller left; the credit went back): nothing runs.
    state.status = 'cancelled';
    state.outcome = { sessionId: state.sessionId, status: 'cancelled', endedAt: state.startedAt, durationUsedSeconds: 0 };
    return state.outcome;
  }
  activated = true;

  // Until an end request or the deadline, whichever comes first; an extension re-arms the timer.
  let warnedFor: string | null = null;
  for (;;) {
    const remainingMs = Date.parse(state.expiresAt) - Date.now();
    if (remainingMs <= 0 || endRequest) break;
    const warn = warnedFor !== state.expiresAt;
    if (warn && remainingMs <= gateRules.endingSoonMs) {
      warnedFor = state.expiresAt;
      await steps.recordSessionEndingSoon({ sessionId: state.sessionId, userId: state.userId, expiresAt: state.expiresAt });
      continue;
    }
    await condition(() => endRequest !== null || deadlineMoved, warn ? remainingMs - gateRules.endingSoonMs : remainingMs);
    deadlineMoved = false;
  }

  // An extension accepted before the end is recorded before the end is.
  await condition(() => extensionsBeingRecorded === 0);
  const endedAtMs = Math.min(Date.now(), Date.parse(state.expiresAt));
  const t = sessionStates.transition(state.status, endRequest ? 'end' : 'expire');
  if (!t.ok) throw new Error(`illegal session transition ${t.from} → ${t.to}`); // a bug: fail the task, not the session
  const outcome: SessionOutcome = {
    sessionId: state.sessionId,
    status: t.to as 'ended' | 'expired',
    endedAt: new Date(endedAtMs).toISOString(),
    durationUsedSeconds: gateRules.durationUsedSeconds(state.startedAt, endedAtMs, state.expiresAt),
  };
  await steps.finishSession({
    sessionId: state.sessionId,
    userId: state.userId,
    status: outcome.status as 'ended' | 'expired',
    endedAt: outcome.endedAt,
    durationUsedSeconds: outcome.durationUsedSeconds,
    sessionType: state.sessionType,
    startedAt: state.startedAt,
    cooldownMinutes: start.cooldownMinutes,
    ...(endRequest ? { endedBy: (endRequest as EndSessionRequest).requestedBy } : {}),
  });
  state.status = outcome.status;
  upsertSearchAttributes([{ key: searchAttributes.status, value: outcome.status }]);
  state.outcome = outcome;

  // The cooldown: when it is over, the user's next session starts by itself if they asked for it and have a credit.
  const cooldownLeftMs = gateRules.cooldownRemainingMs(gateRules.cooldownUntil(outcome.endedAt, start.cooldownMinutes), Date.now());
  if (cooldownLeftMs > 0) await sleep(cooldownLeftMs);
  await steps.startNextSession({ userId: state.userId, afterSessionId: state.sessionId });
  await condition(allHandlersFinished);
  return outcome;
}
