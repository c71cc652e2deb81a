import { createKafka, waitForEvent, type ObservedEvent } from '@hourglass/kafka';
import type { TopicName } from '@hourglass/proto';
import { stack } from '@hourglass/testing';

/** Reads a topic of the test stack from the beginning until an event matches (bounded). */
export function consumeUntil<T extends TopicName>(topic: T, match: (e: ObservedEvent<T>) => boolean, timeoutMs = 20000): Promise<ObservedEvent<T>> {
  return waitForEvent(createKafka({ clientId: 'e2e-probe', brokers: stack.kafkaBrokers }), topic, match, { timeoutMs });
}
