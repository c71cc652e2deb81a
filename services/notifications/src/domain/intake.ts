import type { HandledEvent } from '@hourglass/kafka';
import { timestampDate, type TopicName } from '@hourglass/proto';

export interface NotificationRequest {
  userId: string;
  templateId: string;
  data: Record<string, string>;
  dedupeKey: string;
  notBefore: Date | null;
}

/** What an event does to messages scheduled for its session: "1 minute left" follows the deadline. */
export interface Reschedule {
  sessionId: string;
  /** Cancel pending "1 minute left" messages of the session. */
  cancelEndingSoon: boolean;
  /** Schedule one for this deadline (ISO), if any. */
  endingSoonFor: { userId: string; expiresAt: Date } | null;
}

export const ENDING_SOON_BEFORE_MS = 60_000;

export function endingSoonRequest(userId: string, sessionId: string, expiresAt: Date): NotificationRequest {
  return {
    userId,
    templateId: 'session_ending_soon',
    data: { session_id: sessionId, expires_at: expiresAt.toISOString() },
    // Keyed to the deadline: a new deadline (extension) is a new message; the same one twice is one.
    dedupeKey: `ending_soon:${sessionId}:${expiresAt.toISOString()}`,
    notBefore: new Date(expiresAt.getTime() - ENDING_SOON_BEFORE_MS),
  };
}

export function rescheduleFor(event: Pick<HandledEvent, 'topic' | 'message'>): Reschedule | null {
  switch (event.topic as TopicName) {
    case 'sessions.session.started.v1': {
      const m = event.message as HandledEvent<'sessions.session.started.v1'>['message'];
      return m.expiresAt ? { sessionId: m.sessionId, cancelEndingSoon: false, endingSoonFor: { userId: m.userId, expiresAt: timestampDate(m.expiresAt) } } : null;
    }
    case 'sessions.session.extended.v1': {
      const m = event.message as HandledEvent<'sessions.session.extended.v1'>['message'];
      return { sessionId: m.sessionId, cancelEndingSoon: true, endingSoonFor: m.expiresAt ? { userId: m.userId, expiresAt: timestampDate(m.expiresAt) } : null };
    }
    case 'sessions.session.ended.v1': {
      const m = event.message as HandledEvent<'sessions.session.ended.v1'>['message'];
      return { sessionId: m.sessionId, cancelEndingSoon: true, endingSoonFor: null };
    }
    default:
      return null;
  }
}

/** Which message (if any) each domain event asks for. One event → at most one request, keyed for dedupe. */
export function requestFor(event: Pick<HandledEvent, 'topic' | 'message' | 'eventId'>): NotificationRequest | null {
  const topic = event.topic as TopicName;
  switch (topic) {
    case 'sessions.session.started.v1': {
      const m = event.message as HandledEvent<'sessions.session.started.v1'>['message'];
      return {
        userId: m.userId,
        templateId: 'session_started',
        data: { session_id: m.sessionId, session_type: m.sessionType, duration_minutes: String(m.durationMinutes), expires_at: m.expiresAt ? timestampDate(m.expiresAt).toISOString() : '', auto_started: String(m.autoStarted) },
        dedupeKey: `session_started:${m.sessionId}`,
        notBefore: null,
      };
    }
    case 'sessions.session.ended.v1': {
      const m = event.message as HandledEvent<'sessions.session.ended.v1'>['message'];
      return {
        userId: m.userId,
        templateId: m.status === 'expired' ? 'session_expired' : 'session_ended',
        data: { session_id: m.sessionId, duration_used_seconds: String(m.durationUsedSeconds) },
        dedupeKey: `session_ended:${m.sessionId}`,
        notBefore: null,
      };
    }
    case 'sessions.session.extended.v1': {
      const m = event.message as HandledEvent<'sessions.session.extended.v1'>['message'];
      return {
        userId: m.userId,
        templateId: 'session_extended',
        data: { session_id: m.sessionId, added_minutes: String(m.addedMinutes), expires_at: m.expiresAt ? timestampDate(m.expiresAt).toISOString() : '' },
        dedupeKey: `session_extended:${m.sessionId}:${m.paymentId}`,
        notBefore: null,
      };
    }
    case 'notifications.requested.v1': {
      const m = event.message as HandledEvent<'notifications.requested.v1'>['message'];
      return {
        userId: m.recipientUserId,
        templateId: m.templateId,
        data: { ...m.data },
        dedupeKey: m.dedupeKey || `request:${m.requestId || event.eventId}`,
        notBefore: m.notBefore ? timestampDate(m.notBefore) : null,
      };
    }
    default:
      return null;
  }
}

export const intakeTopics = ['sessions.session.started.v1', 'sessions.session.ended.v1', 'sessions.session.extended.v1', 'notifications.requested.v1'] as const;
