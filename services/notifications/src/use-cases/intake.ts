import type { HandledEvent } from '@hourglass/kafka';
import { storeRequest } from '../adapters/notification-repository';
import { requestFor } from '../domain/intake';

/** Consumer handler: runs inside the consumer's transaction, so the dedupe mark and the stored request commit together. */
export async function takeIn(event: HandledEvent): Promise<void> {
  const request = requestFor(event);
  if (!request) return;
  await storeRequest(event.client, request, { eventId: event.eventId, topic: event.topic });
}
