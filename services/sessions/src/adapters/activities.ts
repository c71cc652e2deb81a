import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, withTransaction, type Pool } from '@hourglass/postgres';
import type { SessionsActivities } from '@hourglass/workflows';
import { sessionsFinished, sessionsStarted } from '../metrics';
import { appendSessionEvent } from './session-events';
import { insertStartedSession, markSessionEnded } from './session-repository';

/**
 * The sessions worker's activities: they own the session read model and its events. Each writes the row and the
 * outbox event in one transaction, and only when the row changed — so a retried activity emits nothing twice.
 */
export function createSessionsActivities({ pool }: { pool: Pool }): SessionsActivities {
  return {
    async recordSessionStarted(record) {
      await withTransaction(pool, async (tx) => {
        if (!(await insertStartedSession(tx, record))) return;
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

    async recordSessionEndingSoon({ sessionId, expiresAt }) {
      await withTransaction(pool, async (tx) => {
        // Once per deadline: a retried activity finds the event it already wrote (checked under the session's lock).
        await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
        const { rowCount } = await tx.query(`SELECT 1 FROM session_events WHERE session_id = $1 AND type = 'session:ending_soon' AND data->>'expires_at' = $2`, [sessionId, expiresAt]);
        if (rowCount) return;
        const remainingSeconds = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
        await appendSessionEvent(tx, sessionId, 'session:ending_soon', { session_id: sessionId, expires_at: expiresAt, remaining_seconds: remainingSeconds });
      });
    },
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
      });
    },
  };
}
