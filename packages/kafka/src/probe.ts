import { randomUUID } from 'node:crypto';
import { Partitioners, type IHeaders } from 'kafkajs';
import { decodeEvent, isTopicName, type EventOf, type TopicName } from '@hourglass/proto';
import { headersToStrings, type KafkaClient } from './client';

export interface ObservedEvent<T extends TopicName = TopicName> {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  /** Decoded when the topic is a registry topic and the bytes decode; otherwise null. */
  message: EventOf<T> | null;
  value: Buffer | null;
}

/**
 * Reads a topic from the beginning with a throwaway consumer group until an event matches, or fails after
 * timeoutMs. For tests, drills and benchmarks that observe what reached Kafka.
 */
export async function waitForEvent<T extends TopicName>(
  kafka: KafkaClient,
  topic: T | string,
  match: (event: ObservedEvent<T>) => boolean,
  { timeoutMs = 20000, readUncommitted = false }: { timeoutMs?: number; readUncommitted?: boolean } = {},
): Promise<ObservedEvent<T>> {
  const all = await collectEvents<T>(kafka, topic, match, { timeoutMs, readUncommitted, stopAfter: 1 });
  if (!all[0]) throw new Error(`no matching event on ${topic} within ${timeoutMs} ms`);
  return all[0];
}

/** Collects every matching event seen within timeoutMs (or until stopAfter matches). */
export async function collectEvents<T extends TopicName>(
  kafka: KafkaClient,
  topic: T | string,
  match: (event: ObservedEvent<T>) => boolean,
  { timeoutMs = 5000, readUncommitted = false, stopAfter = Infinity }: { timeoutMs?: number; readUncommitted?: boolean; stopAfter?: number } = {},
): Promise<ObservedEvent<T>[]> {
  const consumer = kafka.consumer({ groupId: `probe-${randomUUID()}`, readUncommitted, allowAutoTopicCreation: false });
  const found: ObservedEvent<T>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic: t, partition, message }) => {
            let decoded: EventOf<T> | null = null;
            if (isTopicName(t) && message.value) {
              try {
                decoded = decodeEvent(t as T, message.value) as EventOf<T>;
              } catch {
                decoded = null;
              }
            }
            const event: ObservedEvent<T> = { topic: t, partition, offset: message.offset, key: message.key?.toString('utf8') ?? '', headers: headersToStrings(message.headers as IHeaders), message: decoded, value: message.value };
            if (match(event)) {
              found.push(event);
              if (found.length >= stopAfter) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/** Sends raw bytes (tests: malformed or foreign messages). */
export async function sendRaw(kafka: KafkaClient, topic: string, messages: Array<{ key?: string; value: Buffer | string | null; headers?: Record<string, string> }>): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}
