import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { stack, throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { INVALID_DATA, nonRetryableDataFailures } from '../src/failures';
import type { StoreActivities } from './fixtures/store-workflow';

// A real worker on the time-skipping test server, activities writing to a real Postgres: a failure retrying cannot
// fix fails the step at its first attempt; an outage is still retried.
jest.setTimeout(120_000);

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed in this process */
}

let env: TestWorkflowEnvironment;
let db: ThrowawayDatabase;
beforeAll(async () => {
  db = await throwawayDatabase('worker_failures');
  await db.pool.query('CREATE TABLE notes (text text NOT NULL)');
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: stack.temporalTestServer } } });
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

async function run(text: string, activities: StoreActivities) {
  const taskQueue = `failures-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./fixtures/store-workflow'),
    activities,
    interceptors: { activity: [nonRetryableDataFailures()] },
  });
  return worker.runUntil(env.client.workflow.execute('storeWorkflow', { taskQueue, workflowId: `store-${randomUUID()}`, args: [text] }));
}

test('PostgreSQL refusing the data (a NUL byte: SQLSTATE 22021) fails the activity at its first attempt, non-retryable', async () => {
  let attempts = 0;
  const outcome = await run('a\u0000b', {
    storeNote: async (text) => {
      attempts++;
      await db.pool.query('INSERT INTO notes VALUES ($1)', [text]);
    },
  });
  expect(outcome).toMatchObject({ type: INVALID_DATA, nonRetryable: true, failed: expect.stringContaining('SQLSTATE 22021') });
  expect(attempts).toBe(1);
});

test('an integrity refusal (NOT NULL, 23502) too; an outage (57P01) is retried and then succeeds', async () => {
  let attempts = 0;
  expect(await run('x', { storeNote: async () => { attempts++; await db.pool.query('INSERT INTO notes VALUES (NULL)'); } })).toMatchObject({ nonRetryable: true });
  expect(attempts).toBe(1);

  let outage = 0;
  const outcome = await run('fine', {
    storeNote: async (text) => {
      if (++outage <= 2) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      await db.pool.query('INSERT INTO notes VALUES ($1)', [text]);
    },
  });
  expect(outcome).toEqual({ stored: true });
  expect(outage).toBe(3);
});
