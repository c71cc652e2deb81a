import { randomUUID } from 'node:crypto';
import { silentLogger } from '@hourglass/logger';
import { withTransaction } from '@hourglass/postgres';
import { stack, throwawayDatabase, eventually, type ThrowawayDatabase } from '@hourglass/testing';
import {
  collectEvents,
  createIdempotentConsumer,
  createKafka,
  createOutboxRelay,
  enqueueEvent,
  ensureTopics,
  kafkaMigrationsDir,
  sendRaw,
  waitForEvent,
  type KafkaClient,
  type OutboxRelay,
} from '../src';

jest.setTimeout(90_000);

const TOPIC = 'notifications.requested.v1';
let db: ThrowawayDatabase;
let kafka: KafkaClient;
const logger = silentLogger();
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  db = await throwawayDatabase('kafka', [{ dir: kafkaMigrationsDir, table: 'pgmigrations_kafka' }]);
  await db.pool.query('CREATE TABLE effects (event_id uuid, recipient text)');
  kafka = createKafka({ clientId: 'kafka-test', brokers: stack.kafkaBrokers });
  await ensureTopics(kafka, [TOPIC]);
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await db?.drop();
});

/** Each test uses its own recipient id as the key, so events of different tests never match each other. */
async function enqueue(recipient: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await withTransaction(db.pool, (tx) => enqueueEvent(tx, TOPIC, { requestId: `${recipient}-${i}`, recipientUserId: recipient, templateId: 'test', dedupeKey: `${recipient}-${i}` })));
  }
  return ids;
}

function relay(afterSend?: (ids: string[]) => Promise<void>, instanceId = randomUUID()): OutboxRelay {
  const r = createOutboxRelay({ pool: db.pool, kafka, logger, instanceId, pollIntervalMs: 100, afterSend });
  relays.push(r);
  return r;
}

async function unpublished(): Promise<number> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  return rows[0].n;
}

test('the relay publishes each outbox row once, in order per key, with the event headers', async () => {
  const recipient = `r-${randomUUID()}`;
  const ids = await enqueue(recipient, 5);
  await relay().start();
  await eventually(async () => (await unpublished()) === 0, { what: 'the outbox to drain' });
  const seen = await collectEvents(kafka, TOPIC, (e) => e.key === recipient, { timeoutMs: 8000, stopAfter: ids.length + 1 });
  expect(seen.map((e) => e.headers['event-id'])).toEqual(ids);
  expect(seen.map((e) => e.message?.requestId)).toEqual([0, 1, 2, 3, 4].map((i) => `${recipient}-${i}`));
  expect(seen[0]!.headers).toMatchObject({ 'event-type': TOPIC, 'content-type': 'application/x-protobuf' });
});

test('a relay that dies after sending, before marking its rows: the next one sends them again, and a consumer applies each once', async () => {
  const recipient = `r-${randomUUID()}`;
  const ids = await enqueue(recipient, 3);
  let crashed = false;
  const dying = relay(async () => {
    if (!crashed) {
      crashed = true;
      throw new Error('relay process killed between its send and its mark');
    }
  });
  await dying.start();
  await eventually(() => crashed, { what: 'the first relay to die after its send' });
  await dying.stop();
  expect(await unpublished()).toBeGreaterThanOrEqual(3);

  await relay().start();
  await eventually(async () => (await unpublished()) === 0, { what: 'the outbox to drain' });
  const seen = await collectEvents(kafka, TOPIC, (e) => e.key === recipient, { timeoutMs: 4000 });
  // At least once, in order, each event in full (the first send and the second).
  expect(seen.map((e) => e.headers['event-id'])).toEqual([...ids, ...ids]);
  const effects: string[] = [];
  const consumer = createIdempotentConsumer({
    kafka,
    pool: db.pool,
    groupId: `g-${randomUUID()}`,
    topics: [TOPIC],
    logger,
    handler: async ({ message, eventId }) => {
      if (message.recipientUserId === recipient) effects.push(eventId);
    },
  });
  await consumer.start();
  try {
    await eventually(() => effects.length >= 3, { what: 'the events applied' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(effects).toEqual(ids);
  } finally {
    await consumer.stop();
  }
});

test('two relays on one database: only one is the leader', async () => {
  const a = relay();
  const b = relay();
  await a.start();
  await b.start();
  await enqueue(`r-${randomUUID()}`, 1);
  await eventually(async () => (await unpublished()) === 0, { what: 'the outbox to drain' });
  expect([a.stats().isLeader, b.stats().isLeader].filter(Boolean)).toHaveLength(1);
});

describe('idempotent consumer', () => {
  const consumers: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  function consume(handler: (recipient: string, eventId: string, client: import('pg').PoolClient) => Promise<void>, maxAttempts = 3, batchSize = 1) {
    const consumer = createIdempotentConsumer({
      kafka,
      pool: db.pool,
      groupId: `g-${randomUUID()}`,
      topics: [TOPIC],
      logger,
      maxAttempts,
      backoffMs: 20,
      batchSize,
      handler: async ({ message, eventId, client }) => handler(message.recipientUserId, eventId, client),
    });
    consumers.push(consumer);
    return consumer;
  }

  const effects = async (recipient: string) => (await db.pool.query('SELECT event_id FROM effects WHERE recipient = $1', [recipient])).rows;

  test('the same event delivered twice has one effect', async () => {
    const recipient = `r-${randomUUID()}`;
    const [id] = await enqueue(recipient, 1);
    await relay().start();
    await eventually(async () => (await unpublished()) === 0, { what: 'publish' });
    const original = await waitForEvent(kafka, TOPIC, (e) => e.key === recipient);
    // Redeliver the very same message (same event id), as a consumer re-reading an earlier offset would.
    await sendRaw(kafka, TOPIC, [{ key: recipient, value: original.value, headers: original.headers }]);

    const c = consume(async (r, eventId, client) => {
      await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r]);
    });
    await c.start();
    await eventually(async () => (await effects(recipient)).length === 1 && (c as any).stats().duplicates >= 1, { what: 'one effect and one duplicate skipped' });
    expect(await effects(recipient)).toEqual([{ event_id: id }]);
  });

  test('a malformed message goes to the DLQ with the error, and the consumer keeps going', async () => {
    const recipient = `r-${randomUUID()}`;
    await sendRaw(kafka, TOPIC, [{ key: recipient, value: Buffer.from([0xff, 0xff, 0xff]), headers: { 'event-id': randomUUID() } }]);
    await enqueue(recipient, 1);
    await relay().start();
    const c = consume(async (r, eventId, client) => {
      await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r]);
    });
    await c.start();
    const dead = await waitForEvent(kafka, `${TOPIC}.dlq`, (e) => e.key === recipient);
    expect(dead.headers['dlq-error']).toMatch(/cannot decode/);
    expect(dead.headers['dlq-original-topic']).toBe(TOPIC);
    await eventually(async () => (await effects(recipient)).length === 1, { what: 'the good event after the bad one' });
  });

  test('a handler failing twice then succeeding has one effect; one always failing is dead-lettered after maxAttempts', async () => {
    const flaky = `r-${randomUUID()}`;
    const broken = `r-${randomUUID()}`;
    await enqueue(flaky, 1);
    await enqueue(broken, 1);
    await relay().start();
    const failures = new Map<string, number>();
    const c = consume(async (r, eventId, client) => {
      const n = (failures.get(r) ?? 0) + 1;
      failures.set(r, n);
      if (r === broken || (r === flaky && n <= 2)) throw new Error(`handler failure #${n}`);
      await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r]);
    }, 3);
    await c.start();
    await eventually(async () => (await effects(flaky)).length === 1, { what: 'the flaky event to succeed' });
    const dead = await waitForEvent(kafka, `${TOPIC}.dlq`, (e) => e.key === broken);
    expect(dead.headers).toMatchObject({ 'dlq-attempts': '3', 'dlq-error': 'handler failure #3' });
    expect(await effects(broken)).toEqual([]);
    expect(failures.get(flaky)).toBe(3);
  });

  test('a failure retrying cannot fix (PostgreSQL refuses the data: a NUL byte) is dead-lettered at its first attempt', async () => {
    const recipient = `r-${randomUUID()}`;
    await enqueue(recipient, 1);
    await relay().start();
    let calls = 0;
    const c = consume(async (r, eventId, client) => {
      if (r === recipient) calls++;
      await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r === recipient ? `${r}\u0000` : r]);
    }, 5);
    await c.start();
    const dead = await waitForEvent(kafka, `${TOPIC}.dlq`, (e) => e.key === recipient);
    expect(dead.headers).toMatchObject({ 'dlq-attempts': '1', 'dlq-error': expect.stringMatching(/invalid byte sequence/) });
    expect(calls).toBe(1);
    expect(await effects(recipient)).toEqual([]);
  });

  test('a dependency that stays unavailable for more than maxAttempts is waited out: applied once, not dead-lettered', async () => {
    const recipient = `r-${randomUUID()}`;
    await enqueue(recipient, 1);
    await relay().start();
    let calls = 0;
    const c = consume(async (r, eventId, client) => {
      // What pg throws while Postgres restarts (SQLSTATE 57P03), eight times in a row: more than maxAttempts (3).
      // (The group reads the topic from the start: earlier tests' events pass through untouched.)
      if (r === recipient && ++calls <= 8) throw Object.assign(new Error('the database system is starting up'), { code: '57P03' });
      await client.query('INSERT INTO effects VALUES ($1, $2) ON CONFLICT DO NOTHING', [eventId, r]);
    }, 3);
    await c.start();
    await eventually(async () => (await effects(recipient)).length === 1, { what: 'the event applied once Postgres is back', timeoutMs: 60_000 });
    // Dead-lettered after maxAttempts, it would have had 3 calls and no effect.
    expect(calls).toBe(9);
  });

  test('in batches: many events applied in a few transactions, each once and in order', async () => {
    const recipient = `r-${randomUUID()}`;
    const ids = await enqueue(recipient, 20);
    await relay().start();
    await eventually(async () => (await unpublished()) === 0, { what: 'publish' });
    const seenOrder: string[] = [];
    const transactions = new Set<string>();
    const c = consume(
      async (r, eventId, client) => {
        if (r === recipient) {
          seenOrder.push(eventId);
          transactions.add((await client.query('SELECT txid_current()::text AS t')).rows[0].t);
        }
        await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r]);
      },
      3,
      50,
    );
    await c.start();
    await eventually(async () => (await effects(recipient)).length === 20, { what: 'every event applied' });
    expect(seenOrder).toEqual(ids); // one key, one partition: in order, each once
    expect(transactions.size).toBeLessThan(20);
  });

  test('in batches: an event that fails rolls its batch back; its batch is applied one at a time, each once', async () => {
    const recipient = `r-${randomUUID()}`;
    const ids = await enqueue(recipient, 5);
    await relay().start();
    await eventually(async () => (await unpublished()) === 0, { what: 'publish' });
    let failures = 0;
    const c = consume(
      async (r, eventId, client) => {
        if (eventId === ids[2] && ++failures <= 1) throw new Error('fails once');
        await client.query('INSERT INTO effects VALUES ($1, $2)', [eventId, r]);
      },
      3,
      50,
    );
    await c.start();
    await eventually(async () => (await effects(recipient)).length === 5, { what: 'every event applied' });
    expect((await effects(recipient)).map((e) => e.event_id).sort()).toEqual([...ids].sort());
    expect(failures).toBe(2);
  });
});
