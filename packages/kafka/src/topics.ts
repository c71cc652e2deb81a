import { ensureTopics, type KafkaClient } from './client';

interface LoggerLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** `<topic>` and `<topic>.dlq` for each name: what a service needs to exist. */
export const withDeadLetters = (names: readonly string[]) => names.flatMap((n) => [n, `${n}.dlq`]);

/**
 * Waits until every topic (and its dead-letter topic) exists, without ever creating one: where topics are managed
 * elsewhere (Strimzi's KafkaTopic resources), an application that created a missing topic would give it the broker
 * defaults (replication factor 1) before the operator does. Rejects after `timeoutMs`, naming what is missing.
 */
export async function waitForTopics(kafka: KafkaClient, names: readonly string[], o: { timeoutMs: number; intervalMs?: number; logger?: LoggerLike }): Promise<void> {
  const wanted = withDeadLetters(names);
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + o.timeoutMs;
  let lastLog = 0;
  try {
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      if (Date.now() >= deadline) throw new Error(`Kafka topics still missing after ${Math.round(o.timeoutMs / 1000)} s (KAFKA_TOPICS=wait: they must come from KafkaTopic resources): ${missing.join(', ')}`);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        o.logger?.warn({ missing }, 'waiting for Kafka topics to be created');
      }
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
    }
  } finally {
    await admin.disconnect();
  }
}

/** What a service does with its topics at start: create the missing ones, or wait for them (KAFKA_TOPICS). */
export function prepareTopics(kafka: KafkaClient, names: readonly string[], o: { mode: 'create' | 'wait'; timeoutMs: number; logger?: LoggerLike }): Promise<void> {
  return o.mode === 'create' ? ensureTopics(kafka, names) : waitForTopics(kafka, names, o);
}
