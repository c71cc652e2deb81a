import { allHandlersFinished, condition, continueAsNew, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { refusals, searchAttributes } from '../contracts/common';
import {
  cancelPackSessionUpdate,
  completePackSessionUpdate,
  packStateQuery,
  renewPackUpdate,
  schedulePackSessionUpdate,
  type PackActivities,
  type PackInput,
  type PackNotice,
  type PackState,
} from '../contracts/packs';
import { packs } from './activity-proxies';
import { refuse } from './failures';


const HOUR = 3_600_000;
const HISTORY_LIMIT = 2000;

/**
 * One per mentorship pack (id `pack/<packId>`). Seed 001 ran this as an hourly cron scanning for seats to release;
 * here the pack's own timers do it, and nothing polls.
 * - completions decrement once per session id; the session number is its position in `completed`;
 * - after the second-to-last and the last session: reminders; at zero: depleted, seat in grace for graceHours;
 * - finalWarningHours before the grace ends: the final warning, unless renewed;
 * - at the end of grace (or the pack's end date): the seat is released only when no scheduled session remains,
 *   otherwise when the last of them completes or is cancelled;
 * - a renewal during grace keeps the seat (the new pack takes it) and cancels the warning and the release.
 */
export async function sessionPackWorkflow(input: PackInput): Promise<PackState> {
  const state: PackState = input.state ?? {
    packId: input.packId,
    studentId: input.studentId,
    mentorId: input.mentorId,
    totalSessions: input.totalSessions,
    remainingSessions: input.totalSessions,
    completed: [],
    scheduled: [],
    status: 'active',
    seatStatus: 'held',
    graceEndsAt: null,
    renewedBy: null,
    reminders: [],
  };
  // The status is also a search attribute ("packs in grace"); histories from before it existed replay without it.
  const setStatus = (status: PackState['status']) => {
    state.status = status;
    if (patched('pack-status-search-attribute')) upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
  };
  const pending: Array<() => Promise<void>> = [];
  const notice = (templateId: PackNotice['templateId'], data: Record<string, string> = {}) => {
    const dedupeKey = `pack:${state.packId}:${templateId}`;
    if (state.reminders.includes(templateId)) return;
    state.reminders.push(templateId);
    pending.push(() => packs.requestPackNotice({ templateId, userId: state.studentId, dedupeKey, data: { pack_id: state.packId, mentor_id: state.mentorId, ...data } }));
  };
  const change = (event: Parameters<PackActivities['recordPackChange']>[0]['event'], eventKey: string, sessionId?: string) => {
    const snapshot: PackState = JSON.parse(JSON.stringify(state)); // (no structuredClone in the workflow sandbox)
    pending.push(() => packs.recordPackChange({ state: snapshot, event, eventKey, sessionId }));
  };

  // Queued before any handler exists, so an update that arrived with the start is recorded after the creation.
  change('created', 'created');

  setHandler(packStateQuery, () => state);

  setHandler(
    completePackSessionUpdate,
    async ({ sessionId }) => {
      if (state.completed.includes(sessionId)) {
        await settled();
        return state; // the same completion again: no second decrement
      }
      state.scheduled = state.scheduled.filter((s) => s !== sessionId);
      if (state.remainingSessions > 0) {
        state.completed.push(sessionId);
        state.remainingSessions -= 1;
        const number = state.completed.length;
        change('completed_session', `completed:${sessionId}`, sessionId);
        if (state.remainingSessions === 1) notice('pack_one_session_left', { session_number: String(number) });
        if (state.remainingSessions === 0 && state.status === 'active') {
          setStatus('depleted');
          change('depleted', 'depleted');
          notice('pack_complete_renew', { session_number: String(number), grace_hours: String(input.graceHours) });
        }
      }
      await settled();
      return state;
    },
    { validator: ({ sessionId }) => { if (!sessionId) throw new Error('sessionId is required'); } },
  );

  setHandler(
    schedulePackSessionUpdate,
    ({ sessionId }) => {
      if (!state.scheduled.includes(sessionId)) state.scheduled.push(sessionId);
      return state;
    },
    {
      validator: ({ sessionId }) => {
        if (state.scheduled.includes(sessionId)) return;
        if (state.status !== 'active') throw refuse(refusals.INVALID_TRANSITION, `A ${state.status} pack cannot schedule sessions`, { from: state.status, to: 'scheduled' });
        if (state.scheduled.length >= state.remainingSessions) throw refuse(refusals.NO_CREDITS, 'Every remaining session of the pack is already scheduled', { remaining_sessions: state.remainingSessions, scheduled: state.scheduled.length });
      },
    },
  );

  setHandler(cancelPackSessionUpdate, ({ sessionId }) => {
    state.scheduled = state.scheduled.filter((s) => s !== sessionId);
    return state;
  });

  setHandler(
    renewPackUpdate,
    async ({ newPackId }) => {
      if (state.status === 'renewed') return state;
      setStatus('renewed');
      state.renewedBy = newPackId;
      // The seat stays held: the new pack takes it over.
      state.seatStatus = 'held';
      change('renewed', `renewed:${newPackId}`);
      await settled();
      return state;
    },
    { validator: (_renewal) => { if (state.status === 'released' || state.status === 'expired') throw refuse(refusals.INVALID_TRANSITION, 'The seat was already released', { from: state.status, to: 'renewed' }); } },
  );

  // An item leaves the queue only once its activity finished, so "queue empty" means "recorded".
  const flush = async () => {
    while (pending.length) {
      await pending[0]!();
      pending.shift();
    }
  };
  /**
   * Updates answer once their effects are recorded (read model, events, reminders, entering grace).
   * A declaration, not a const: an update that reached the workflow with its start runs inside setHandler(), above.
   */
  function settled() {
    return condition(() => pending.length === 0 && state.status !== 'depleted');
  }

  await flush();

  // Active: until depleted, renewed, or the pack's end date.
  const untilEnd = () => (input.expiresAt ? Math.max(0, Date.parse(input.expiresAt) - Date.now()) : undefined);
  while (state.status === 'active') {
    const end = untilEnd();
    const moved = await condition(() => pending.length > 0 || state.status !== 'active' || shouldContinueAsNew(), end);
    await flush();
    if (state.status === 'active' && end !== undefined && !moved && untilEnd() === 0) {
      setStatus('expired');
      change('expired', 'expired');
    }
    if (state.status === 'active' && shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof sessionPackWorkflow>({ ...input, state });
    }
  }
  await flush();

  if (state.status === 'depleted') {
    // Grace: the seat is held for graceHours; a warning finalWarningHours before it ends.
    const graceEnds = Date.now() + input.graceHours * HOUR;
    state.graceEndsAt = new Date(graceEnds).toISOString();
    setStatus('grace');
    state.seatStatus = 'grace';
    change('grace_started', 'grace_started');
    await flush();
    const warnAt = graceEnds - input.finalWarningHours * HOUR;
    if (await sleepUnlessRenewed(warnAt - Date.now())) {
      notice('pack_seat_final_warning', { grace_ends_at: state.graceEndsAt });
      await flush();
      await sleepUnlessRenewed(graceEnds - Date.now());
    }
  }

  // Release the seat — unless renewed — but only once no scheduled session of the pack remains.
  while (state.status !== 'renewed' && state.status !== 'released') {
    await condition(() => pending.length > 0 || state.scheduled.length === 0 || state.status === 'renewed');
    await flush();
    // (handlers may have changed the status while we waited)
    if ((state.status as PackState['status']) !== 'renewed' && state.scheduled.length === 0) {
      setStatus('released');
      state.seatStatus = 'released';
      change('seat_released', 'seat_released');
    }
  }
  await flush();
  await condition(allHandlersFinished);
  await flush();
  return state;

  /** Sleeps ms (flushing work from handlers meanwhile); false when a renewal came first. */
  async function sleepUnlessRenewed(ms: number): Promise<boolean> {
    const until = Date.now() + Math.max(0, ms);
    while (state.status !== 'renewed') {
      const left = until - Date.now();
      if (left <= 0) return true;
      await condition(() => pending.length > 0 || state.status === 'renewed', left);
      await flush();
    }
    await flush();
    return false;
  }

  function shouldContinueAsNew(): boolean {
    return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
  }
}
