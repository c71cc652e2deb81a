import type { HandledEvent } from '@hourglass/kafka';
import { storeRequest } from '../adapters/notification-repository';
import { endingSoonRequest, requestFor, rescheduleFor } from '../domain/intake';

/**
 * Consumer handler: runs inside the consumer's transaction, so the dedupe mark, the stored requests and the
 * cancellations commit together. "1 minute left" follows the session's deadline: scheduled at start, moved by an
 * extension, dropped when the session ends — a message that became moot is cancelled, never sent late.
 */
export async function takeIn(event: HandledEvent): Promise<void> {
  const request = requestFor(event);
  if (request) await storeRequest(event.client, request, { eventId: event.eventId, topic: event.topic });
  const reschedule = rescheduleFor(event);
  if (!reschedule) return;
  if (reschedule.cancelEndingSoon) {
    await event.client.query(
      `UPDATE notifications SET status = 'cancelled', last_error = $2 WHERE template_id = 'session_ending_soon' AND status = 'pending' AND data->>'session_id' = $1`,
      [reschedule.sessionId, `superseded by ${event.topic}`],
    );
  }
  if (reschedule.endingSoonFor && reschedule.endingSoonFor.expiresAt.getTime() > Date.now()) {
    await storeRequest(event.client, endingSoonRequest(reschedule.endingSoonFor.userId, reschedule.sessionId, reschedule.endingSoonFor.expiresAt), { eventId: event.eventId, topic: event.topic });
  }
}
