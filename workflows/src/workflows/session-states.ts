import type { SessionStatus } from '../contracts/common';

/**
 * The one session state machine, used by SessionWorkflow and by the sessions API alike (pure: safe in workflow code).
 *
 *   starting ──start──▶ active ──end──▶ ended          (starting: decided, its credit and workflow on the way)
 *       ╰──abandon──▶ abandoned│ ╰──expire──▶ expired
 *   scheduled ──start──▶ active╰──extend──▶ active (a new deadline)
 *       ╰──cancel──▶ cancelled
 */
export type SessionAction = 'start' | 'extend' | 'end' | 'expire' | 'cancel' | 'abandon';

const transitions: Record<SessionStatus, Partial<Record<SessionAction, SessionStatus>>> = {
  starting: { start: 'active', abandon: 'abandoned' },
  abandoned: {},
  scheduled: { start: 'active', cancel: 'cancelled' },
  active: { extend: 'active', end: 'ended', expire: 'expired' },
  ended: {},
  expired: {},
  cancelled: {},
};

/** What an action is called as a target state in refusals ("from: ended, to: extended"). */
const actionTarget: Record<SessionAction, string> = { start: 'active', extend: 'extended', end: 'ended', expire: 'expired', cancel: 'cancelled', abandon: 'abandoned' };

export type Transition = { ok: true; to: SessionStatus } | { ok: false; from: SessionStatus; to: string };

export const sessionStates = {
  transition(from: SessionStatus, action: SessionAction): Transition {
    const to = transitions[from][action];
    return to ? { ok: true, to } : { ok: false, from, to: actionTarget[action] };
  },
  isFinal: (status: SessionStatus): boolean => Object.keys(transitions[status]).length === 0,
  /** Every legal (from, action, to), for docs and tests. */
  table: (): Array<[SessionStatus, SessionAction, SessionStatus]> =>
    (Object.entries(transitions) as Array<[SessionStatus, Partial<Record<SessionAction, SessionStatus>>]>).flatMap(([from, actions]) =>
      (Object.entries(actions) as Array<[SessionAction, SessionStatus]>).map(([action, to]) => [from, action, to] as [SessionStatus, SessionAction, SessionStatus]),
    ),
};
