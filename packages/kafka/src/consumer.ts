import type { Pool, PoolClient } from 'pg';
import { Partitioners, type Consumer, type ConsumerRunConfig, type KafkaMessage, type Producer } from 'kafkajs';
import { decodeEvent, dlqTopic, isTopicName, type EventOf, type TopicName } from '@hourglass/proto';
import { withTransaction } from '@hourglass/postgres';
import { headersToStrings, type KafkaClient } from './client';
import { isPermanentFailure, isTransientFailure } from '@hourglass/errors';
import { TRACE_HEADER, withTraceId } from '@hourglass/logger';

export interface HandledEvent<T extends TopicName = TopicName> {
  topic: T;
  key: string;
  eventId: string;
  message: EventOf<T>;
  headers: Record<string, string>;
  /** The transaction the dedupe mark lives in: write the effect with it, and both commit or neither does. */
  client: PoolClient;
}

interface LoggerLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface IdempotentConsumerOptions<T extends TopicName> {
  kafka: KafkaClient;
  pool: Pool;
  groupId: string;
  topics: readonly T[];
  handler: (event: HandledEvent<T>) => Promise<void>;
  logger: LoggerLike;
  /** Attempts before a failing event goes to `<topic>.dlq`. */
  maxAttempts?: number;
  backoffMs?: number;
  /**
   * Apply up to this many events of one partition in one transaction (in order, each still once), falling back to one
   * at a time when any of them fails. For handlers that only write to the database: fewer commits under load.
   * 1 (the default) applies each event in a transaction of its own.
   */
  batchSize?: number;
}

export interface IdempotentConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): { processed: number; duplicates: number; deadLettered: number; restarts: number };
}

class PoisonMessage extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Consumes registry topics (read-committed) and applies each event's effect at most once per consumer group: the
 * processed_events mark and the handler's writes share one Postgres transaction. A failing handler is retried with
 * backoff; after maxAttempts — or at once for a message that cannot be decoded — the message goes to `<topic>.dlq`
 * with the error attached, and the partition moves on; a failure retrying cannot fix (@hourglass/errors
 * isPermanentFailure: PostgreSQL refusing the data, a non-retryable failure) goes there at its first attempt. A
 * failure that is a dependency's unavailability (Postgres
 * restarting, Temporal unreachable: @hourglass/errors isTransientFailure) does not count as an attempt: the partition waits until it is back,
 * however long that takes, rather than dead-lettering good messages.
 */
export function createIdempotentConsumer<T extends TopicName>(options: IdempotentConsumerOptions<T>): IdempotentConsumer {
  const { kafka, pool, groupId, topics, handler, logger, maxAttempts = 5, backoffMs = 200, batchSize = 1 } = options;
  const counts = { processed: 0, duplicates: 0, deadLettered: 0, restarts: 0 };
  let consumer: Consumer | null = null;
  let dlq: Producer | null = null;

  function decode(topic: string, message: KafkaMessage): Omit<HandledEvent<T>, 'client'> {
    const headers = headersToStrings(message.headers);
    const eventId = headers['event-id'];
    if (!eventId || !UUID.test(eventId)) throw new PoisonMessage('missing or invalid event-id header');
    if (!isTopicName(topic)) throw new PoisonMessage(`unknown topic ${topic}`);
    if (!message.value) throw new PoisonMessage('empty message value');
    let decoded: EventOf<T>;
    try {
      decoded = decodeEvent(topic as T, message.value) as EventOf<T>;
    } catch (e) {
      throw new PoisonMessage(`cannot decode as ${topic}: ${(e as Error).message}`);
    }
    return { topic: topic as T, key: message.key?.toString('utf8') ?? '', eventId, message: decoded, headers };
  }

  async function applyOnce(event: Omit<HandledEvent<T>, 'client'>): Promise<void> {
    // The dedupe mark and the handler's writes commit together (and afterCommit hooks run only then).
    const applied = await withTransaction(pool, async (client) => {
      const { rowCount } = await client.query(
        'INSERT INTO processed_events (consumer_group, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [groupId, event.eventId, event.topic],
      );
      if (rowCount === 0) return false;
      await handler({ ...event, client });
      return true;
    });
    if (applied) counts.processed++;
    else counts.duplicates++;
    logger.info({ topic: event.topic, eventId: event.eventId, groupId }, applied ? 'event applied' : 'event already applied: skipped');
  }

  /** Several events in one transaction, in order; false when any failed (nothing of the chunk was committed). */
  async function applyChunk(events: Array<Omit<HandledEvent<T>, 'client'>>): Promise<boolean> {
    try {
      const results = await withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ event_id: string }>(
          `INSERT INTO processed_events (consumer_group, event_id, topic)
           SELECT $1, e.id, e.topic FROM unnest($2::uuid[], $3::text[]) AS e(id, topic)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [groupId, events.map((e) => e.eventId), events.map((e) => e.topic)],
        );
        const fresh = new Set(rows.map((r) => r.event_id));
        for (const event of events) {
          if (fresh.has(event.eventId)) await withTraceId(event.headers[TRACE_HEADER], () => handler({ ...event, client }));
        }
        return fresh;
      });
      for (const event of events) {
        const applied = results.has(event.eventId);
        if (applied) counts.processed++;
        else counts.duplicates++;
        // One line per event, in the trace it carries (as when events are applied one at a time).
        withTraceId(event.headers[TRACE_HEADER], () => logger.info({ topic: event.topic, eventId: event.eventId, groupId, batch: events.length }, applied ? 'event applied' : 'event already applied: skipped'));
      }
      return true;
    } catch (err) {
      logger.warn({ err, groupId, events: events.length }, 'event batch failed; applying its events one at a time');
      return false;
    }
  }

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, error: Error, attempts: number): Promise<void> {
    await dlq!.send({
      topic: dlqTopic(topic),
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headersToStrings(message.headers),
            'dlq-error': error.message.slice(0, 1000),
            'dlq-original-topic': topic,
            'dlq-original-partition': String(partition),
            'dlq-original-offset': message.offset,
            'dlq-attempts': String(attempts),
            'dlq-consumer-group': groupId,
          },
        },
      ],
    });
    counts.deadLettered++;
    logger.error({ topic, partition, offset: message.offset, err: error, attempts }, 'message dead-lettered');
  }

  let stopped = false;
  let restartTimer: NodeJS.Timeout | null = null;

  /**
   * Joins the group and consumes. When kafkajs gives up on its own (a broker gone longer than its retries: "failed to
   * find group coordinator"), a new consumer joins again after a backoff — for as long as it takes: an outage of
   * Kafka must not end the process (its /readyz says Kafka is down meanwhile), and nothing is lost, since offsets
   * are committed only for events applied.
   */
  async function run(config: ConsumerRunConfig, attempt: number, { initial = false } = {}): Promise<void> {
    const c = kafka.consumer({ groupId, allowAutoTopicCreation: false, readUncommitted: false, sessionTimeout: 10_000, heartbeatInterval: 3000 });
    consumer = c;
    c.on(c.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, groupId, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart && !stopped) rejoinLater(config, 0);
    });
    try {
      await c.connect();
      await c.subscribe({ topics: [...topics], fromBeginning: true });
      await c.run(config);
    } catch (err) {
      if (stopped) return;
      if (initial) throw err; // at start-up: the process reports it (bad brokers, no topics) rather than waiting blind
      logger.warn({ err, groupId, attempt }, 'kafka consumer could not join; trying again');
      rejoinLater(config, attempt + 1);
    }
  }

  function rejoinLater(config: ConsumerRunConfig, attempt: number): void {
    if (restartTimer || stopped) return;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
    restartTimer = setTimeout(() => {
      restartTimer = null;
      void (async () => {
        await consumer?.disconnect().catch(() => undefined);
        if (stopped) return;
        counts.restarts++;
        logger.warn({ groupId, restarts: counts.restarts }, 'kafka consumer joining its group again');
        await run(config, attempt);
      })();
    }, delay);
    restartTimer.unref?.();
  }

  return {
    async start() {
      dlq = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await dlq.connect();
      // A 10 s session: when a member dies (SIGKILL, lost host) the group hands its partitions to the others, and a
      // restarted member can join, 10 s later rather than kafkajs' default 30 s. Handlers are short transactions and
      // the retry loop heartbeats, so a live member is not dropped.
      const processOne = async (topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>) => {
          let event: Omit<HandledEvent<T>, 'client'>;
          try {
            event = decode(topic, message);
          } catch (e) {
            await deadLetter(topic, partition, message, e as Error, 0);
            return;
          }
          for (let attempt = 1, waits = 0; ; ) {
            try {
              // The handler runs in the trace of the work that published the event (logs, events it enqueues).
              await withTraceId(event.headers[TRACE_HEADER], () => applyOnce(event));
              return;
            } catch (e) {
              if (isTransientFailure(e)) {
                waits++;
                if (waits === 1 || waits % 10 === 0) logger.warn({ err: e, topic, eventId: event.eventId, waits }, 'a dependency is unavailable; waiting to apply the event');
                await new Promise((r) => setTimeout(r, Math.min(5000, backoffMs * 2 ** Math.min(waits - 1, 5))));
                await heartbeat();
                continue;
              }
              // Retrying cannot fix what the data itself makes fail (PostgreSQL refusing it, a non-retryable
              // failure): dead-lettered at once rather than after every backoff.
              if (attempt >= maxAttempts || isPermanentFailure(e)) {
                await deadLetter(topic, partition, message, e as Error, attempt);
                return;
              }
              logger.warn({ err: e, topic, eventId: event.eventId, attempt }, 'event handler failed; retrying');
              await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
              attempt++;
              await heartbeat();
            }
          }
      };
      const eachMessage: ConsumerRunConfig = {
        partitionsConsumedConcurrently: 3,
        eachMessage: ({ topic, partition, message, heartbeat }) => processOne(topic, partition, message, heartbeat),
      };
      const eachBatch: ConsumerRunConfig = {
        partitionsConsumedConcurrently: 3,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const messages = batch.messages;
          for (let i = 0; i < messages.length && isRunning() && !isStale(); i += batchSize) {
            const chunk = messages.slice(i, i + batchSize);
            const decoded: Array<{ message: KafkaMessage; event: Omit<HandledEvent<T>, 'client'> }> = [];
            for (const m of chunk) {
              try {
                decoded.push({ message: m, event: decode(batch.topic, m) });
              } catch (e) {
                await deadLetter(batch.topic, batch.partition, m, e as Error, 0); // it has no effect to order
              }
            }
            if (decoded.length > 0 && !(await applyChunk(decoded.map((d) => d.event)))) {
              for (const { message } of decoded) {
                await processOne(batch.topic, batch.partition, message, heartbeat);
                resolveOffset(message.offset);
              }
            }
            resolveOffset(chunk[chunk.length - 1]!.offset);
            await heartbeat();
          }
        },
      };
      await run(batchSize <= 1 ? eachMessage : eachBatch, 0, { initial: true });
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await consumer?.disconnect().catch(() => undefined);
      await dlq?.disconnect().catch(() => undefined);
    },
    stats: () => ({ ...counts }),
  };
}
