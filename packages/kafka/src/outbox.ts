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
  /** Unique per process: part of the Kafka transactional id. */
  instanceId: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /**
   * Least time between two Kafka transactions. Under load rows arrive one commit at a time; waiting this long after a
   * transaction lets the next one carry every row committed meanwhile (a batch), instead of one transaction per row.
   * At a low rate a woken relay publishes at once, so an idle stack's events are not delayed.
   */
  minBatchIntervalMs?: number;
  /** Test hook: runs after the batch is sent, before the Kafka transaction commits. */
  beforeCommit?: (eventIds: string[]) => Promise<void>;
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
 * Publishes the outbox to Kafka in id order, inside Kafka transactions: a relay that dies before its commit leaves
 * nothing visible to read-committed consumers, and the rows (not yet marked) are published again by the next leader.
 * The one remaining window — Kafka committed, Postgres mark not yet — republishes a batch; consumers deduplicate by
 * event id, so effects stay exactly once.
 */
export function createOutboxRelay({ pool, kafka, logger, instanceId, batchSize = 500, pollIntervalMs = 1000, minBatchIntervalMs = 25, beforeCommit }: OutboxRelayOptions): OutboxRelay {
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
      producer = kafka.producer({ transactionalId: `outbox-${instanceId}`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();

      let lastCommitAt = 0;
      while (!stopping && !connectionLost) {
        const sinceLast = Date.now() - lastCommitAt;
        if (sinceLast < minBatchIntervalMs) await new Promise((r) => setTimeout(r, minBatchIntervalMs - sinceLast));
        const { rows: batch } = await conn.query<OutboxRow>(
          'SELECT id, event_id, topic, key, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
          [batchSize],
        );
        if (batch.length === 0) {
          await sleep(pollIntervalMs);
          continue;
        }
        const transaction = await producer.transaction();
        try {
          const byTopic = new Map<string, OutboxRow[]>();
          for (const row of batch) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
          await transaction.sendBatch({
            topicMessages: [...byTopic].map(([topic, rows]) => ({
              topic,
              messages: rows.map((r) => ({ key: r.key, value: r.payload, headers: r.headers })),
            })),
          });
          await beforeCommit?.(batch.map((r) => r.event_id));
          await transaction.commit();
        } catch (err) {
          await transaction.abort().catch(() => undefined);
          throw err;
        }
        await conn.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [batch.map((r) => r.id)]);
        lastCommitAt = Date.now();
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
