import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent } from '@hourglass/kafka';
import { withTransaction, type Pool } from '@hourglass/postgres';
import type { TopicName } from '@hourglass/proto';
import type { PackActivities } from '@hourglass/workflows';

/** Pack activities of the sessions worker: the packs read model, pack events and reminder requests. */
export function createPackActivities({ pool }: { pool: Pool }): PackActivities {
  return {
    async recordPackChange({ state, event, eventKey, sessionId }) {
      // A renewed pack's seat went to the pack that renewed it (the workflow keeps it "held" for the hand-over): the
      // read model and the event say it moved, and that its grace is over.
      const moved = state.status === 'renewed';
      const seatStatus = moved ? 'moved' : state.seatStatus;
      const graceEndsAt = moved ? null : state.graceEndsAt;
      await withTransaction(pool, async (tx) => {
        await tx.query(
          `UPDATE packs SET status = $2, seat_status = $3, remaining_sessions = $4, completed_sessions = $5, grace_ends_at = $6,
             renewed_by = $7, updated_at = now() WHERE id = $1`,
          [state.packId, state.status, seatStatus, state.remainingSessions, state.completed.length, graceEndsAt, state.renewedBy],
        );
        if (sessionId) await tx.query(`UPDATE pack_sessions SET status = 'completed', completed_at = now() WHERE id::text = $1 AND status = 'scheduled'`, [sessionId]);
        const { rowCount } = await tx.query(`INSERT INTO pack_events_emitted (pack_id, event_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [state.packId, eventKey]);
        if (rowCount !== 1) return;
        await enqueueEvent(tx, `sessions.pack.${event}.v1` as TopicName & `sessions.pack.${string}`, {
          packId: state.packId,
          studentId: state.studentId,
          mentorId: state.mentorId,
          status: state.status,
          seatStatus,
          totalSessions: state.totalSessions,
          remainingSessions: state.remainingSessions,
          completedSessions: state.completed.length,
          graceEndsAt: graceEndsAt ? timestampFromDate(new Date(graceEndsAt)) : undefined,
          sessionId: sessionId ?? '',
          renewedBy: state.renewedBy ?? '',
        } as never);
      });
    },

    async requestPackNotice(notice) {
      // The notifications service keeps one message per dedupe key, so a retried activity sends nothing twice.
      await withTransaction(pool, (tx) =>
        enqueueEvent(tx, 'notifications.requested.v1', { requestId: notice.dedupeKey, templateId: notice.templateId, recipientUserId: notice.userId, data: notice.data, dedupeKey: notice.dedupeKey }),
      );
    },
  };
}
