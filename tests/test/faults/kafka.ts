import { createKafka, type KafkaClient } from '@hourglass/kafka';
import { dlqTopic, topicNames } from '@hourglass/proto';

type Admin = ReturnType<KafkaClient['admin']>;

/**
 * What the drills ask Kafka directly: messages in dead-letter topics, a consumer group's position, and rewinding a
 * group to the beginning of its topics (the "every message delivered again" drill). A fresh admin connection per
 * question, so a broker restart in between costs nothing.
 */
export class KafkaProbe {
  private readonly kafka: KafkaClient;

  constructor(brokers: string[]) {
    this.kafka = createKafka({ clientId: 'fault-drill-probe', brokers });
  }

  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Messages in every `<topic>.dlq`, by topic. */
  deadLettered(): Promise<Record<string, number>> {
    return this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const out: Record<string, number> = {};
      for (const topic of topicNames.map(dlqTopic).filter((t) => existing.has(t))) {
        out[topic] = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      }
      return out;
    });
  }

  /** How far behind the end of its topics the group's committed offsets are (messages, control records included). */
  lag(groupId: string, topics: readonly string[]): Promise<number> {
    return this.withAdmin(async (admin) => {
      let lag = 0;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const mine = partitions.find((p) => p.partition === end.partition);
          const from = mine && Number(mine.offset) >= 0 ? Number(mine.offset) : Number(end.low);
          lag += Math.max(0, Number(end.high) - from);
        }
      }
      return lag;
    });
  }

  /** The group's state as the coordinator sees it (`Empty` once its members have left). */
  groupState(groupId: string): Promise<string> {
    return this.withAdmin(async (admin) => (await admin.describeGroups([groupId])).groups[0]?.state ?? 'Unknown');
  }

  /** Rewinds an empty group to the first offset of each topic: every message will be delivered to it again. */
  rewind(groupId: string, topics: readonly string[]): Promise<void> {
    return this.withAdmin(async (admin) => {
      for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: true });
    });
  }
}
