import { randomUUID } from 'node:crypto';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import Long from 'long';
import { searchAttributes, startSessionUpdate, taskQueues, workflowIds } from '@hourglass/workflows';
import { temporal } from '@temporalio/proto';
import { eventually, stack, throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { startProcess, type ServiceProcess } from './processes';

// Drill: SIGKILL the sessions worker, then the billing worker, while session starts are in flight; restart them.
// Afterwards every start has either produced exactly one session paid by exactly one credit, or taken nothing.
// Runs its own workers in a namespace of its own, so the shared test stack is untouched.
jest.setTimeout(180_000);

const namespace = `drill-${randomUUID().slice(0, 8)}`;
let connection: Connection;
let client: Client;
let sessionsDb: ThrowawayDatabase;
let billingDb: ThrowawayDatabase;
const running: ServiceProcess[] = [];

const env = (db: ThrowawayDatabase, service: string) => ({
  SERVICE_NAME: service,
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: 'info',
  DATABASE_URL: db.url,
  KAFKA_BROKERS: stack.kafkaBrokers.join(','),
  TEMPORAL_ADDRESS: stack.temporalAddress,
  TEMPORAL_NAMESPACE: namespace,
  JWT_SECRET: stack.jwtSecret,
  BILLING_URL: stack.billingUrl,
});
const sessionsWorker = () => startProcess('sessions-worker', 'services/sessions/src/worker.ts', env(sessionsDb, 'sessions-worker'), 'sessions worker running').then((p) => (running.push(p), p));
const billingWorker = () => startProcess('billing-worker', 'services/billing/src/worker.ts', env(billingDb, 'billing-worker'), 'billing worker running').then((p) => (running.push(p), p));

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.temporalAddress });
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86400) } });
  client = new Client({ connection, namespace });
  await eventually(() => connection.workflowService.describeNamespace({ namespace }).then(() => true), { what: 'the drill namespace' });
  // The workflows set Hourglass's search attributes: a new namespace must know them (the stack registers them for its own).
  await eventually(() =>
    connection.operatorService
      .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])) })
      .then(() => true),
    { what: 'search attributes in the drill namespace' },
  );
  // The workers run the migrations themselves on start.
  sessionsDb = await throwawayDatabase('drill_sessions');
  billingDb = await throwawayDatabase('drill_billing');
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await connection?.close();
  await sessionsDb?.drop();
  await billingDb?.drop();
});

function start(userId: string) {
  const requestId = randomUUID();
  return client.workflow.executeUpdateWithStart(startSessionUpdate, {
    args: [{ requestId, userId, mode: 'drill' }],
    updateId: `start:${requestId}`,
    startWorkflowOperation: new WithStartWorkflowOperation('userGateWorkflow', { workflowId: workflowIds.gate(userId), taskQueue: taskQueues.sessions, args: [{ userId }], workflowIdConflictPolicy: 'USE_EXISTING' }),
  });
}

async function invariants(userIds: string[], outcomes: PromiseSettledResult<{ id: string }>[]) {
  const started = outcomes.filter((o): o is PromiseFulfilledResult<{ id: string }> => o.status === 'fulfilled').map((o) => o.value.id);
  const sessions = (await sessionsDb.pool.query('SELECT id, user_id FROM sessions WHERE user_id = ANY($1)', [userIds])).rows;
  const ledger = (await billingDb.pool.query(`SELECT user_id, reason, delta, session_id FROM credit_ledger WHERE user_id = ANY($1)`, [userIds])).rows;
  const grants = (await billingDb.pool.query(`SELECT user_id, quantity, remaining FROM credit_grants WHERE user_id = ANY($1)`, [userIds])).rows;
  const net = (reason: string) => ledger.filter((l) => l.reason === reason).reduce((n, l) => n + Math.abs(l.delta), 0);
  const figures = {
    starts: userIds.length,
    sessions_started: started.length,
    session_rows: sessions.length,
    credits_granted: grants.reduce((n, g) => n + g.quantity, 0),
    credits_consumed: net('consume'),
    credits_refunded: net('refund'),
    credits_remaining: grants.reduce((n, g) => n + g.remaining, 0),
  };
  console.log(`drill figures: ${JSON.stringify(figures)}`);
  expect(new Set(sessions.map((s) => s.id))).toEqual(new Set(started));
  expect(figures.credits_consumed - figures.credits_refunded).toBe(figures.sessions_started);
  expect(figures.credits_granted).toBe(figures.credits_consumed - figures.credits_refunded + figures.credits_remaining);
  for (const u of userIds) expect(sessions.filter((s) => s.user_id === u).length).toBeLessThanOrEqual(1);
}

test.each([
  ['sessions worker', 0],
  ['billing worker', 1],
])('SIGKILL the %s mid-start, restart it: no credit lost or doubled', async (_name, victimIndex) => {
  const workers = [await sessionsWorker(), await billingWorker()];
  const userIds = Array.from({ length: 20 }, () => `drill-${randomUUID()}`);
  const inFlight = Promise.allSettled(userIds.map((u) => start(u)));
  // Kill in the dangerous window: some credits already taken, not every session recorded yet.
  const consumed = () => billingDb.pool.query(`SELECT count(*)::int AS n FROM credit_ledger WHERE reason = 'consume' AND user_id = ANY($1)`, [userIds]).then((r) => r.rows[0].n as number);
  await eventually(async () => (await consumed()) >= 1, { intervalMs: 5, what: 'the first credit to be consumed' });
  await workers[victimIndex]!.kill('SIGKILL');
  const rowsAtKill = (await sessionsDb.pool.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = ANY($1)', [userIds])).rows[0].n;
  const consumedAtKill = await consumed();
  console.log(`when the ${_name} was killed: ${consumedAtKill} credits consumed, ${rowsAtKill}/${userIds.length} sessions recorded`);
  expect(rowsAtKill).toBeLessThan(userIds.length);
  const restarted = victimIndex === 0 ? await sessionsWorker() : await billingWorker();
  const outcomes = await inFlight;
  const failures = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
  expect(failures.map((f) => String(f.reason))).toEqual([]);
  await invariants(userIds, outcomes as PromiseSettledResult<{ id: string }>[]);
  await Promise.all([...workers, restarted].map((w) => w.kill('SIGTERM')));
});
