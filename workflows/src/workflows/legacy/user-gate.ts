// FROZEN: workflow code of executions started before the start gate moved into PostgreSQL. It stays registered, and
// unchanged, so that such executions (a user's gate `user/<id>`, the sessions it started) replay and finish as they
// began; nothing new is started with it. Replay tests hold it to its recorded histories. See ARCHITECTURE.md,
// "Upgrading from the gate workflow".
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConsumeCreditResult } from '../../contracts/billing';
import { refusals, searchAttributes, workflowIds } from '../../contracts/common';
import {
  creditAvailableSignal,
  gateStateQuery,
  sessionEndedSignal,
  setAutoStartUpdate,
  startSessionUpdate,
  type GateInput,
  type GateState,
  type SessionInput,
  type SessionView,
  type StartSessionRequest,
} from '../../contracts/messages';
import { billing, sessions } from '../activity-proxies';
import { asUpdateFailure, refusalOf, refuse, staleStartFailure } from '../failures';
import { gateRules } from '../gate-rules';
import { Lock } from './lock';
import { sessionWorkflow } from './session';


const HISTORY_LIMIT = 4000;

/**
 * One per user (id `user/<userId>`): the single place where a user's next session is decided. Every start —
 * requested over HTTP (update-with-start) or automatic after a cooldown — goes through one lock here, so under any
 * race exactly one session starts and exactly one credit is taken.
 */
export async function userGateWorkflow(input: GateInput): Promise<void> {
  const state: GateState = input.state ?? {
    userId: input.userId,
    activeSessionId: null,
    cooldownUntil: null,
    autoStart: null,
    recentStarts: [],
    endedSessionIds: [],
    activeCooldownMinutes: 0,
  };
  const lock = new Lock();
  let wake = false;

  const startSession = async (req: StartSessionRequest, autoStarted: boolean): Promise<SessionView> => {
    const earlier = state.recentStarts.find((r) => r.requestId === req.requestId);
    if (earlier) return earlier.session;
    if (state.activeSessionId) {
      throw refuse(refusals.SESSION_ALREADY_ACTIVE, 'A session is already active', { active_session_id: state.activeSessionId });
    }
    const remaining = gateRules.cooldownRemainingMs(state.cooldownUntil, Date.now());
    if (remaining > 0) {
      throw refuse(refusals.COOLDOWN_ACTIVE, 'The cooldown after your last session is still running', {
        cooldown_until: state.cooldownUntil,
        retry_after_seconds: gateRules.retryAfterSeconds(state.cooldownUntil, Date.now()),
      });
    }

    // Stale before anything is taken: the sessions worker (this workflow's) was away longer than the caller waited.
    const staleBefore = staleStartFailure(req.requestedAt, Date.now());
    if (staleBefore) throw staleBefore;

    const sessionId = uuid4();
    let credit: ConsumeCreditResult;
    try {
      credit = await billing.consumeCredit({ userId: state.userId, sessionId, preferredKind: req.preferredKind });
    } catch (err) {
      throw asUpdateFailure(err, 'Could not take a credit');
    }
    // Stale after the credit was taken (billing was down meanwhile): give it back rather than start for nobody.
    const staleAfter = staleStartFailure(req.requestedAt, Date.now());
    if (staleAfter) {
      log.warn('start request went stale while taking the credit; refunding', { sessionId, requestedAt: req.requestedAt });
      await billing.refundConsumption({ userId: state.userId, sessionId, reason: 'start request went stale before the session began' });
      throw staleAfter;
    }

    const startedAtMs = Date.now();
    const session: SessionInput = {
      sessionId,
      userId: state.userId,
      participantId: req.participantId,
      mode: req.mode,
      sessionType: credit.sessionType,
      // Plans may use fractional minutes (tests, demos); the deadline is exact, the shown length rounded up.
      durationMinutes: Math.ceil(credit.durationMinutes),
      startedAt: new Date(startedAtMs).toISOString(),
      expiresAt: new Date(startedAtMs + credit.durationMinutes * 60_000).toISOString(),
    };
    try {
      await sessions.recordSessionStarted({ ...session, autoStarted, creditKind: credit.kind, ledgerEntryId: credit.ledgerEntryId });
      await startChild(sessionWorkflow, {
        workflowId: workflowIds.session(sessionId),
        args: [session],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: searchAttributes.userId, value: state.userId },
          { key: searchAttributes.sessionType, value: session.sessionType },
          { key: searchAttributes.status, value: 'active' },
        ],
      });
    } catch (err) {
      // The credit was taken but no session runs: give it back before refusing.
      log.error('session start failed after the credit was taken; refunding', { sessionId, error: String(err) });
      await billing.refundConsumption({ userId: state.userId, sessionId, reason: 'session failed to start' });
      throw asUpdateFailure(err, 'Could not start the session');
    }

    const view: SessionView = { id: sessionId, userId: state.userId, mode: req.mode, sessionType: credit.sessionType, durationMinutes: session.durationMinutes, startedAt: session.startedAt, expiresAt: session.expiresAt, status: 'active', autoStarted };
    state.activeSessionId = sessionId;
    state.activeCooldownMinutes = credit.cooldownMinutes;
    state.recentStarts = [...state.recentStarts, { requestId: req.requestId, session: view }].slice(-gateRules.memory);
    return view;
  };

  setHandler(startSessionUpdate, (req) => lock.run(() => startSession(req, false)), {
    validator: (req) => {
      if (req.userId !== state.userId) throw new Error(`request for ${req.userId} sent to the gate of ${state.userId}`);
      if (!req.requestId || !req.mode) throw new Error('requestId and mode are required');
    },
  });

  setHandler(setAutoStartUpdate, ({ enabled, mode }) => {
    state.autoStart = enabled ? { mode: mode ?? state.autoStart?.mode ?? 'chat', requestedAt: new Date(Date.now()).toISOString() } : null;
    wake = true;
    return state;
  });

  setHandler(sessionEndedSignal, ({ sessionId, endedAt }) => {
    if (state.endedSessionIds.includes(sessionId)) return;
    state.endedSessionIds = [...state.endedSessionIds, sessionId].slice(-gateRules.memory);
    if (state.activeSessionId === sessionId) {
      state.activeSessionId = null;
      state.cooldownUntil = gateRules.cooldownUntil(endedAt, state.activeCooldownMinutes);
    }
    wake = true;
  });

  setHandler(creditAvailableSignal, () => {
    wake = true;
  });

  setHandler(gateStateQuery, () => state);

  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;

  // Auto-start loop: sleeps until something could make a start possible (cooldown over, credit arrived, wish
  // recorded), then tries once through the same lock as HTTP starts.
  while (!shouldContinueAsNew()) {
    const cooldownMs = gateRules.cooldownRemainingMs(state.cooldownUntil, Date.now());
    const waitForCooldown = state.autoStart !== null && state.activeSessionId === null && cooldownMs > 0;
    // (condition without a timeout resolves to undefined, not true: the guards below decide, not its result)
    if (waitForCooldown) await condition(() => wake || shouldContinueAsNew(), cooldownMs);
    else await condition(() => wake || shouldContinueAsNew());
    wake = false;
    const auto = state.autoStart;
    if (!auto || state.activeSessionId || gateRules.cooldownRemainingMs(state.cooldownUntil, Date.now()) > 0) continue;
    try {
      await lock.run(() => startSession({ requestId: `auto:${auto.requestedAt}`, userId: state.userId, mode: auto.mode }, true));
      state.autoStart = null;
    } catch (err) {
      const refusal = refusalOf(err);
      // No credit yet: keep the wish and wait for creditAvailable. Anything else (a plan limit, an active session
      // started by hand meanwhile) ends the wish.
      if (refusal?.type !== refusals.NO_CREDITS) state.autoStart = null;
      log.info('auto-start did not happen', { reason: refusal?.type ?? String(err) });
    }
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof userGateWorkflow>({ userId: state.userId, state });
}
