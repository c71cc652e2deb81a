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
  /** Cancel pending "1 minute left" messages of the session (everyone's). */
  cancelEndingSoon: boolean;
  /** Schedule one for this deadline, for the owner (participants are added by the use case), if any. */
  endingSoonFor: { userId: string; expiresAt: Date } | null;
}

/** What the intake knows beyond the event: the other people in the event's session. */
export interface IntakeContext {
  participants: string[];
}

export const ENDING_SOON_BEFORE_MS = 60_000;

/** A payment older than this is not told any more ("Payment received" a week late is news to no one). */
export const PAYMENT_NEWS_MAX_AGE_MS = 24 * 3_600_000;

/**
 * Why a payment event is too old to tell, if it is: a consumer group reading billing's topics for the first time
 * starts at the earliest retained event, and must not mail every past payer again.
 */
export function tooLateToTell(event: Pick<HandledEvent, 'topic' | 'headers'>, now: Date): string | null {
  if (!event.topic.startsWith('billing.')) return null;
  const occurred = Date.parse(event.headers['occurred-at'] ?? '');
  return Number.isFinite(occurred) && now.getTime() - occurred > PAYMENT_NEWS_MAX_AGE_MS ? `the payment event is from ${new Date(occurred).toISOString()}: too old to tell` : null;
}

export function endingSoonRequest(userId: string, sessionId: string, expiresAt: Date, owner = true): NotificationRequest {
  return {
    userId,
    templateId: 'session_ending_soon',
    data: { session_id: sessionId, expires_at: expiresAt.toISOString(), warning_seconds: String(ENDING_SOON_BEFORE_MS / 1000) },
    // Keyed to the deadline: a new deadline (extension) is a new message; the same one twice is one.
    dedupeKey: `ending_soon:${sessionId}:${expiresAt.toISOString()}${owner ? '' : `:${userId}`}`,
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

/** The other participant a started session names (never the owner twice). */
export function participantsStarted(event: Pick<HandledEvent, 'topic' | 'message'>): { sessionId: string; userIds: string[] } | null {
  if (event.topic !== 'sessions.session.started.v1') return null;
  const m = event.message as HandledEvent<'sessions.session.started.v1'>['message'];
  return { sessionId: m.sessionId, userIds: m.participantId && m.participantId !== m.userId ? [m.participantId] : [] };
}

/** An email address a payment taught us (the payer's, as the provider knows it). */
export function contactOf(event: Pick<HandledEvent, 'topic' | 'message'>): { userId: string; email: string; source: string } | null {
  if (event.topic !== 'billing.credit.granted.v1') return null;
  const m = event.message as HandledEvent<'billing.credit.granted.v1'>['message'];
  return m.contactEmail && m.source === 'payment' ? { userId: m.userId, email: m.contactEmail, source: `payment ${m.sourceRef}` } : null;
}

/** The same message for the owner and, keyed apart, for each participant. */
function forEveryone(owner: NotificationRequest, ctx: IntakeContext): NotificationRequest[] {
  return [owner, ...ctx.participants.filter((p) => p !== owner.userId).map((userId) => ({ ...owner, userId, dedupeKey: `${owner.dedupeKey}:${userId}` }))];
}

/** Which messages (if any) each domain event asks for, each keyed for dedupe. */
export function requestsFor(event: Pick<HandledEvent, 'topic' | 'message' | 'eventId'>, ctx: IntakeContext = { participants: [] }): NotificationRequest[] {
  const topic = event.topic as TopicName;
  switch (topic) {
    case 'sessions.session.started.v1': {
      const m = event.message as HandledEvent<'sessions.session.started.v1'>['message'];
      return forEveryone(
        {
          userId: m.userId,
          templateId: 'session_started',
          data: {
            session_id: m.sessionId,
            session_type: m.sessionType,
            duration_minutes: String(m.durationMinutes),
            started_at: m.startedAt ? timestampDate(m.startedAt).toISOString() : '',
            expires_at: m.expiresAt ? timestampDate(m.expiresAt).toISOString() : '',
            auto_started: String(m.autoStarted),
          },
          dedupeKey: `session_started:${m.sessionId}`,
          notBefore: null,
        },
        ctx,
      );
    }
    case 'sessions.session.ended.v1': {
      const m = event.message as HandledEvent<'sessions.session.ended.v1'>['message'];
      return forEveryone(
        {
          userId: m.userId,
          templateId: m.status === 'expired' ? 'session_expired' : 'session_ended',
          data: { session_id: m.sessionId, duration_used_seconds: String(m.durationUsedSeconds) },
          dedupeKey: `session_ended:${m.sessionId}`,
          notBefore: null,
        },
        ctx,
      );
    }
    case 'sessions.session.extended.v1': {
      const m = event.message as HandledEvent<'sessions.session.extended.v1'>['message'];
      return forEveryone(
        {
          userId: m.userId,
          templateId: 'session_extended',
          data: { session_id: m.sessionId, added_minutes: String(m.addedMinutes), expires_at: m.expiresAt ? timestampDate(m.expiresAt).toISOString() : '' },
          dedupeKey: `session_extended:${m.sessionId}:${m.paymentId}`,
          notBefore: null,
        },
        ctx,
      );
    }
    case 'billing.credit.granted.v1': {
      // Only money: signup, admin and refund grants are not payments.
      const m = event.message as HandledEvent<'billing.credit.granted.v1'>['message'];
      if (m.source !== 'payment') return [];
      return [
        {
          userId: m.userId,
          templateId: 'payment_received',
          data: { grant_id: m.grantId, quantity: String(m.quantity), amount_cents: String(m.amountCents), currency: m.currency, payment: m.sourceRef },
          dedupeKey: `payment_received:${m.grantId}`,
          notBefore: null,
        },
      ];
    }
    case 'billing.credit.refunded.v1': {
      // A payment that went back; a credit given back after a start that failed is not news to the user.
      const m = event.message as HandledEvent<'billing.credit.refunded.v1'>['message'];
      if (m.reason !== 'payment refunded') return [];
      return [
        {
          userId: m.userId,
          templateId: 'payment_refunded',
          data: { quantity: String(m.quantity), refunded_cents: String(m.refundedCents), currency: m.currency, payment: m.sourceRef },
          dedupeKey: `payment_refunded:${m.ledgerEntryId}`,
          notBefore: null,
        },
      ];
    }
    case 'notifications.requested.v1': {
      const m = event.message as HandledEvent<'notifications.requested.v1'>['message'];
      return [
        {
          userId: m.recipientUserId,
          templateId: m.templateId,
          data: { ...m.data },
          dedupeKey: m.dedupeKey || `request:${m.requestId || event.eventId}`,
          notBefore: m.notBefore ? timestampDate(m.notBefore) : null,
        },
      ];
    }
    default:
      return [];
  }
}

export const intakeTopics = [
  'sessions.session.started.v1',
  'sessions.session.ended.v1',
  'sessions.session.extended.v1',
  'notifications.requested.v1',
  'billing.credit.granted.v1',
  'billing.credit.refunded.v1',
] as const;
