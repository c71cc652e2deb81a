import type { Logger } from '@hourglass/logger';
import { withTransaction } from '@hourglass/postgres';
import type { SessionStepActivities } from '@hourglass/workflows';
import { sessionStatus } from './session-repository';
import { activateSession, recordSessionEndingSoon, recordSessionExtended, recordSessionOver } from '../use-cases/session-record';
import { tryAutoStart, type StartDeps } from '../use-cases/start-session';

/**
 * The session workflow's steps (local activities, in the sessions worker). Each is idempotent; a failure that
 * retrying cannot fix is non-retryable, so it fails the step instead of holding the session for ever.
 */
export function createSessionStepActivities(deps: StartDeps & { billing: StartDeps['billing'] & { recordUsage(u: { userId: string; sessionId: string; seconds: number; startedAt: string }): Promise<void> }; logger: Logger }): SessionStepActivities {
  return {
    async activateSession(start) {
      // Usually the sessions API activated the row as this workflow started: one read says so, no transaction.
      const status = await sessionStatus(deps.pool, start.sessionId);
      if (status === 'active') return 'active';
      if (status === 'abandoned') return 'abandoned';
      const activation = await withTransaction(deps.pool, (tx) => activateSession(tx, start));
      if (activation === 'abandoned' || activation === 'missing') return 'abandoned';
      return 'active';
    },

    recordSessionExtended: (extension) => recordSessionExtended(deps.pool, extension),

    recordSessionEndingSoon: (notice) => recordSessionEndingSoon(deps.pool, notice),

    async finishSession(finish) {
      // Usage first: once the row is over a new start may begin, and its plan limits must count this session.
      await deps.billing.recordUsage({ userId: finish.userId, sessionId: finish.sessionId, seconds: finish.durationUsedSeconds, startedAt: finish.startedAt });
      await recordSessionOver(deps.pool, finish);
    },

    async startNextSession({ userId, afterSessionId }) {
      const outcome = await tryAutoStart(deps, userId);
      if (outcome !== 'not-wanted') deps.logger.info({ userId, afterSessionId, outcome }, 'auto-start after the cooldown');
    },
  };
}

