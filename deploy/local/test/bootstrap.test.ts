import { accessSync, constants } from 'node:fs';
import { Connection } from '@temporalio/client';
import { stack, uniqueId } from '@hourglass/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

/**
 * The infrastructure `npm test` started answers on the addresses it published (HOURGLASS_* variables). Skipped
 * when jest runs outside `npm test`.
 */
const describeStack = process.env.HOURGLASS_PG_ADMIN_URL ? describe : describe.skip;

describeStack('local stack bootstrap', () => {
  it.each([
    ['sessions', () => stack.sessionsDatabaseUrl],
    ['billing', () => stack.billingDatabaseUrl],
    ['notifications', () => stack.notificationsDatabaseUrl],
  ])('Postgres serves the %s database', async (name, url) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      const { rows } = await client.query('select 1 as one, current_database() as db');
      expect(rows[0]).toEqual({ one: 1, db: name });
    } finally {
      await client.end();
    }
  });

  it('Postgres admin URL can create throwaway databases', async () => {
    const client = new pg.Client({ connectionString: stack.pgAdminUrl });
    await client.connect();
    const db = uniqueId('bootstrap').toLowerCase();
    try {
      await client.query(`create database ${db}`);
      await client.query(`drop database ${db}`);
    } finally {
      await client.end();
    }
  });

  it('Kafka lists, creates and deletes topics', async () => {
    const admin = new Kafka({ clientId: 'bootstrap-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `${uniqueId('bootstrap')}.check.v1`;
    try {
      expect(Array.isArray(await admin.listTopics())).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]!.partitions).toHaveLength(3); // num.partitions=3
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('Temporal answers and has the Hourglass search attributes', async () => {
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: stack.temporalNamespace });
      expect(Object.keys(customAttributes ?? {})).toEqual(
        expect.arrayContaining(['HourglassUserId', 'HourglassSessionType', 'HourglassPackId', 'HourglassStatus']),
      );
    } finally {
      await connection.close();
    }
  });

  it('the time-skipping test server binary is installed', () => {
    expect(() => accessSync(stack.temporalTestServer, constants.X_OK)).not.toThrow();
  });

  it('stripe-mock answers GET /v1/customers', async () => {
    const res = await fetch(`${stack.stripeApiUrl}/v1/customers`, { headers: { authorization: 'Bearer sk_test_123' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: 'list' });
  });

  it('tells tests where the logs are', () => {
    expect(process.env.HOURGLASS_LOG_DIR).toBeTruthy();
  });
});
