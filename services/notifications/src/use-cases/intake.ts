import type { HandledEvent } from '@hourglass/kafka';
import { addParticipants, participantsOf, rememberContact, storeRequest } from '../adapters/notification-repository';
import { contactOf, endingSoonRequest, participantsStarted, requestsFor, rescheduleFor, tooLateToTell } from '../domain/intake';

/**
 * Consumer handler: runs inside the consumer's transaction, so the dedupe mark, the stored requests and the
 * cancellations commit together. "1 minute left" follows the session's deadline: scheduled at start, moved by an
 * extension, dropped when the session ends — a message that became moot is cancelled, never sent late. A session's
 * participant hears what its owner hears (events of one session arrive in order: started comes first).
 */
export async function takeIn(event: HandledEvent): Promise<void> {
  const source = { eventId: event.eventId, topic: event.topic };
  const started = participantsStarted(event);
  if (started) await addParticipants(event.client, started.sessionId, started.userIds);
  const reschedule = rescheduleFor(event);
  const participants = reschedule ? await participantsOf(event.client, reschedule.sessionId) : [];
  const contact = contactOf(event);
  if (contact) await rememberContact(event.client, contact);

  // Stored either way (the log shows it), but an old payment is not mailed late.
  const stale = tooLateToTell(event, new Date());
  for (const request of requestsFor(event, { participants })) await storeRequest(event.client, request, source, stale ? { status: 'cancelled', reason: stale } : undefined);
  if (!reschedule) return;
  if (reschedule.cancelEndingSoon) {
    await event.client.query(
      `UPDATE notifications SET status = 'cancelled', last_error = $2 WHERE template_id = 'session_ending_soon' AND status = 'pending' AND data->>'session_id' = $1`,
      [reschedule.sessionId, `superseded by ${event.topic}`],
    );
  }
  const soon = reschedule.endingSoonFor;
  if (soon && soon.expiresAt.getTime() > Date.now()) {
    await storeRequest(event.client, endingSoonRequest(soon.userId, reschedule.sessionId, soon.expiresAt), source);
    for (const p of participants) if (p !== soon.userId) await storeRequest(event.client, endingSoonRequest(p, reschedule.sessionId, soon.expiresAt, false), source);
  }
}
