import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { OutboxRelay } from './outbox';

const SCRAPE_TIMEOUT_MS = 2000;

function gaugeOnce(registry: Registry, name: string, help: string, labelNames: string[], collect: (g: Gauge<string>) => Promise<void>): void {
  if (registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      await Promise.race([collect(this), new Promise((r) => setTimeout(r, SCRAPE_TIMEOUT_MS))]).catch(() => undefined);
    },
  });
}

/** Outbox lag, measured at scrape time: unpublished rows and the age of the oldest. */
export function registerOutboxMetrics(registry: Registry, relay: OutboxRelay): void {
  gaugeOnce(registry, 'hourglass_outbox_unpublished', 'Outbox rows not yet published to Kafka', [], async (g) => g.set((await relay.lag()).unpublished));
  gaugeOnce(registry, 'hourglass_outbox_oldest_age_seconds', 'Age of the oldest unpublished outbox row', [], async (g) => g.set((await relay.lag()).oldestAgeSeconds));
}

/** Consumer lag per topic for a group: the log end offsets minus the group's committed offsets. */
export function registerConsumerLagMetrics(registry: Registry, admin: Admin, groupId: string, topics: readonly string[]): void {
  gaugeOnce(registry, 'hourglass_consumer_lag', 'Messages not yet consumed, by consumer group and topic', ['group', 'topic'], async (g) => {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      let lag = 0;
      for (const end of ends) {
        const mine = partitions.find((p) => p.partition === end.partition);
        const from = mine && Number(mine.offset) >= 0 ? Number(mine.offset) : Number(end.low);
        lag += Math.max(0, Number(end.high) - from);
      }
      g.set({ group: groupId, topic }, lag);
    }
  });
}
