import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { Partitioners, type Producer } from 'kafkajs';
import { encodeEvent, keyOf, type EventInit, type TopicName } from '@hourglass/proto';
import { currentTraceId, TRACE_HEADER } from '@hourglass/logger';
import type { KafkaClient } from './client';

export interface EnqueueOptions {
  eventId?: string;
  traceId?: string;
  headers?: Record<string, string>;
}

/**
 * Writes an event to the outbox inside the caller's transaction: it is published if and only if the caller commits.
 * Wakes the relay (NOTIFY is delivered at commit). Returns the event id, which consumers deduplicate on.
 */
export async function enqueueEvent<T extends TopicName>(tx: PoolClient, topic: T, event: EventInit<T>, options: EnqueueOptions = {}): Promise<string> {
  const eventId = options.eventId ?? randomUUID();
  const headers: Record<string, string> = {
    ...options.headers,
    'event-id': eventId,
    'event-type': topic,
    'occurred-at': new Date().toISOString(),
    'content-type': 'application/x-protobuf',
  };
  // The trace of the work that caused the event (an HTTP request, a workflow, an event consumed), if any.
  const traceId = options.traceId ?? currentTraceId();
  if (traceId) headers[TRACE_HEADER] = traceId;
  await tx.query(`INSERT INTO outbox (event_id, topic, key, payload, headers) VALUES ($1, $2, $3, $4, $5)`, [
    eventId,
    topic,
    keyOf(topic, event),
    Buffer.from(encodeEvent(topic, event)),
    headers,
  ]);
  await tx.query(`SELECT pg_notify('outbox', '')`);
  return eventId;
}

interface OutboxRow {
  id: number;
  event_id: string;
  topic: string;
  key: string;
  payload: Buffer;
  headers: Record<string, string>;
}

interface LoggerLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxRelayOptions {
  pool: Pool;
  kafka: KafkaClient;
  logger: LoggerLike;
  /** Unique per process: names it in logs. */
  instanceId: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /**
   * Least time between two sends. Under load rows arrive one commit at a time; waiting this long after a send lets the
   * next one carry every row committed meanwhile (a batch), instead of one request per row. At a low rate a woken
   * relay publishes at once, so an idle stack's events are not delayed.
   */
  minBatchIntervalMs?: number;
  /** Test hook: runs after the batch is sent (acknowledged by Kafka), before its rows are marked published. */
  afterSend?: (eventIds: string[]) => Promise<void>;
}

export interface OutboxRelayStats {
  isLeader: boolean;
  published: number;
  batches: number;
  lastError: string | null;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): OutboxRelayStats;
  /** Unpublished rows and the age of the oldest (seconds). */
  lag(): Promise<{ unpublished: number; oldestAgeSeconds: number }>;
}

// One relay per database publishes at a time (per-key order); the others wait on this advisory lock.
const LEADER_LOCK = 0x686f7572; // "hour"

/**
 * Publishes the outbox to Kafka in id order with an idempotent producer (acks from all in-sync replicas, one request
 * in flight: per-key order holds, and the broker drops the producer's own retries), then marks the rows published. A
 * relay that dies between the two sends those rows again from the next leader: at least once, and consumers
 * deduplicate by event id, so every effect still happens exactly once. (Kafka transactions would hide a half-sent
 * batch from read-committed consumers, which deduplicate anyway; they cost the broker about as much again per batch —
 * the partition markers and the coordinator's log — and were measured to be the largest part of the stack's Kafka CPU.)
 */
export function createOutboxRelay({ pool, kafka, logger, instanceId, batchSize = 500, pollIntervalMs = 1000, minBatchIntervalMs = 25, afterSend }: OutboxRelayOptions): OutboxRelay {
  const stats: OutboxRelayStats = { isLeader: false, published: 0, batches: 0, lastError: null };
  let stopping = false;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function lead(): Promise<void> {
    const conn = await pool.connect();
    let producer: Producer | null = null;
    let connectionLost = false;
    const onError = (err: Error) => {
      connectionLost = true;
      stats.lastError = err.message;
      wake?.();
    };
    conn.on('error', onError);
    try {
      const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK]);
      if (!rows[0]?.ok) return;
      stats.isLeader = true;
      logger.info({ instanceId }, 'outbox relay is the leader');
      conn.on('notification', () => wake?.());
      await conn.query('LISTEN outbox');
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();

      let lastSendAt = 0;
      while (!stopping && !connectionLost) {
        const sinceLast = Date.now() - lastSendAt;
        if (sinceLast < minBatchIntervalMs) await new Promise((r) => setTimeout(r, minBatchIntervalMs - sinceLast));
        const { rows: batch } = await conn.query<OutboxRow>(
          'SELECT id, event_id, topic, key, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
          [batchSize],
        );
        if (batch.length === 0) {
          await sleep(pollIntervalMs);
          continue;
        }
        const byTopic = new Map<string, OutboxRow[]>();
        for (const row of batch) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, rows]) => ({
            topic,
            messages: rows.map((r) => ({ key: r.key, value: r.payload, headers: r.headers })),
          })),
        });
        await afterSend?.(batch.map((r) => r.event_id));
        await conn.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [batch.map((r) => r.id)]);
        lastSendAt = Date.now();
        stats.published += batch.length;
        stats.batches += 1;
      }
    } finally {
      stats.isLeader = false;
      await producer?.disconnect().catch(() => undefined);
      conn.off('error', onError);
      // Releasing the connection ends LISTEN; the advisory lock is released explicitly (or with a broken connection).
      await conn.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      conn.release(connectionLost ? true : undefined);
    }
  }

  return {
    async start() {
      stopping = false;
      loop = (async () => {
        while (!stopping) {
          try {
            await lead();
          } catch (err) {
            stats.lastError = (err as Error).message;
            logger.error({ err }, 'outbox relay failed; retrying');
          }
          if (!stopping) await sleep(pollIntervalMs);
        }
      })();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
    stats: () => ({ ...stats }),
    async lag() {
      const { rows } = await pool.query<{ n: number; age: number | null }>(
        'SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(created_at))::float AS age FROM outbox WHERE published_at IS NULL',
      );
      return { unpublished: rows[0]?.n ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
    },
  };
}
