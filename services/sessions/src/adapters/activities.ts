import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, withTransaction, type Pool } from '@hourglass/postgres';
import { ApplicationFailure } from '@temporalio/common';
import { gateRules, type SessionsActivities } from '@hourglass/workflows';
import { sessionsFinished, sessionsStarted } from '../metrics';
import { recordSessionEndingSoon } from '../use-cases/session-record';
import { appendSessionEvent } from './session-events';
import { insertStartedSession, markSessionEnded } from './session-repository';
import { extendCooldown } from './start-gate-repository';

/** The cooldown of sessions started by the legacy gate, whose rows do not say which their plan imposed. */
const LEGACY_COOLDOWN_MINUTES = 10;

/**
 * Activities of the legacy gate and session workflows (executions started before the start gate moved into
 * PostgreSQL): they keep the read model and its events as they always did. Each writes the row and the outbox event
 * in one transaction, and only when the row changed — so a retried activity emits nothing twice.
 */
export function createSessionsActivities({ pool }: { pool: Pool }): SessionsActivities {
  return {
    async recordSessionStarted(record) {
      await withTransaction(pool, async (tx) => {
        let inserted: boolean;
        try {
          inserted = await insertStartedSession(tx, record);
        } catch (err) {
          // The user has a session started the new way meanwhile: one live session per user holds, and the legacy
          // gate gives this start's credit back when the step fails.
          if ((err as { code?: string }).code === '23505') throw ApplicationFailure.nonRetryable('the user already has a live session', 'SESSION_ALREADY_ACTIVE');
          throw err;
        }
        if (!inserted) return;
        afterCommit(tx, () => sessionsStarted.inc({ session_type: record.sessionType }));
        await appendSessionEvent(tx, record.sessionId, 'session:started', { session_id: record.sessionId, started_at: record.startedAt, expires_at: record.expiresAt, duration_minutes: record.durationMinutes, session_type: record.sessionType });
        await enqueueEvent(tx, 'sessions.session.started.v1', {
          sessionId: record.sessionId,
          userId: record.userId,
          sessionType: record.sessionType,
          mode: record.mode,
          durationMinutes: record.durationMinutes,
          startedAt: timestampFromDate(new Date(record.startedAt)),
          expiresAt: timestampFromDate(new Date(record.expiresAt)),
          autoStarted: record.autoStarted,
          participantId: record.participantId ?? '',
        });
      });
    },

    recordSessionEndingSoon: (notice) => recordSessionEndingSoon(pool, notice),

    async recordSessionEnded(record) {
      await withTransaction(pool, async (tx) => {
        if (!(await markSessionEnded(tx, record))) return;
        afterCommit(tx, () => sessionsFinished.inc({ session_type: record.sessionType, status: record.status }));
        await appendSessionEvent(tx, record.sessionId, record.status === 'expired' ? 'session:expired' : 'session:ended', { session_id: record.sessionId, status: record.status, ended_at: record.endedAt, duration_used_seconds: record.durationUsedSeconds, ...(record.endedBy ? { ended_by: record.endedBy } : {}) });
        await enqueueEvent(tx, 'sessions.session.ended.v1', {
          sessionId: record.sessionId,
          userId: record.userId,
          status: record.status,
          endedAt: timestampFromDate(new Date(record.endedAt)),
          durationUsedSeconds: record.durationUsedSeconds,
          sessionType: record.sessionType,
        });
        // Starts are decided in the gate row now: it must know this session's cooldown too.
        await extendCooldown(tx, record.userId, new Date(gateRules.cooldownUntil(record.endedAt, LEGACY_COOLDOWN_MINUTES)));
      });
    },
  };
}
