import { randomUUID } from 'node:crypto';
import { stack } from '@hourglass/testing';
import { createKafka, prepareTopics, securityOptions, waitForTopics, type KafkaClient } from '../src';

// KAFKA_TOPICS=wait against the test stack's real broker: the application never creates a topic, waits for it, and
// fails its start naming what is missing. (`create` is what every other test and the local stack use.)
jest.setTimeout(60_000);
let kafka: KafkaClient;
beforeAll(() => {
  kafka = createKafka({ clientId: 'topics-test', brokers: stack.kafkaBrokers });
});

async function exists(name: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(name);
  } finally {
    await admin.disconnect();
  }
}

test('wait: a missing topic is never created, and the wait fails naming it', async () => {
  const topic = `topics-test.missing-${randomUUID()}.v1`;
  await expect(prepareTopics(kafka, [topic], { mode: 'wait', timeoutMs: 1500 })).rejects.toThrow(new RegExp(`still missing .*${topic.replace(/\./g, '\\.')}, ${topic.replace(/\./g, '\\.')}\\.dlq`));
  expect(await exists(topic)).toBe(false);
});

test('wait: resolves once the topic and its dead-letter topic appear', async () => {
  const topic = `topics-test.later-${randomUUID()}.v1`;
  const waiting = waitForTopics(kafka, [topic], { timeoutMs: 30_000, intervalMs: 200 });
  let settled = false;
  void waiting.finally(() => (settled = true)).catch(() => undefined);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await new Promise((r) => setTimeout(r, 800));
    expect(settled).toBe(false); // the .dlq is still missing
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${topic}.dlq`, numPartitions: 1 }] });
  } finally {
    await admin.disconnect();
  }
  await expect(waiting).resolves.toBeUndefined();
});

test('create: the missing topic and its dead-letter topic are made', async () => {
  const topic = `topics-test.created-${randomUUID()}.v1`;
  await prepareTopics(kafka, [topic], { mode: 'create', timeoutMs: 1000 });
  expect([await exists(topic), await exists(`${topic}.dlq`)]).toEqual([true, true]);
});

test('security options: TLS with a private CA and SCRAM; TLS alone; plaintext', () => {
  const ca = Buffer.from('pem');
  expect(securityOptions({ tls: { ca }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } })).toEqual({ ssl: { ca: [ca] }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
  expect(securityOptions({ tls: {} })).toEqual({ ssl: true });
  expect(securityOptions(undefined)).toEqual({});
});
