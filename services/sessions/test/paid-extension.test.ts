import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createPool, withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import { api, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { workflowIds } from '@hourglass/workflows';
import { connectWorkflowGateway, type WorkflowGateway } from '../src/adapters/temporal-gateway';
import { applyPaidExtension } from '../src/use-cases/extensions';

// A paid extension handed to a session whose workflow is already over: refunded unless that very payment was applied
// before it ended (its first delivery's answer lost while Temporal restarted, then redelivered: found by a fault drill).
jest.setTimeout(60_000);

let db: Pool;
let connection: Connection;
let client: Client;
let gateway: WorkflowGateway;

beforeAll(async () => {
  db = createPool({ connectionString: stack.sessionsDatabaseUrl, applicationName: 'paid-extension-test' });
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
  gateway = await connectWorkflowGateway({ address: stack.temporalAddress, namespace: stack.temporalNamespace });
});
afterAll(async () => {
  await gateway?.close();
  await connection?.close();
  await db?.end();
});

const rejectionsQueued = async (tx: PoolClient, sessionId: string) =>
  Number((await tx.query(`SELECT count(*) FROM outbox WHERE topic = 'sessions.extension.rejected.v1' AND key = $1`, [sessionId])).rows[0].count);

/** Runs one delivery of the paid extension and rolls it back: its answer and the rejections it would publish. */
async function deliver(sessionId: string, userId: string, paymentId: string, through: WorkflowGateway = gateway) {
  let seen: { outcome: string; rejections: number } | undefined;
  await withTransaction(db, async (tx) => {
    const outcome = await applyPaidExtension(tx, through, { paymentId, sessionId, userId, minutes: 1 });
    seen = { outcome, rejections: await rejectionsQueued(tx, sessionId) };
    if (outcome === 'rejected') throw new Error('rolled back'); // leave nothing behind for the stack's relay
  }).catch((e: Error) => {
    if (e.message !== 'rolled back') throw e;
  });
  return seen!;
}

test('an extension applied before the workflow ended is never refunded on redelivery; another payment is', async () => {
  const userId = uniqueId('ext');
  const token = await tokenFor(userId);
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'chat' } });
  expect(started.status).toBe(201);
  const sessionId = started.body.session.id as string;

  const paymentId = `pi_${randomUUID()}`;
  await withTransaction(db, (tx) => applyPaidExtension(tx, gateway, { paymentId, sessionId, userId, minutes: 1 }));
  expect((await api(stack.sessionsUrl, `/api/sessions/${sessionId}/end`, { method: 'POST', token })).status).toBe(200);
  // The workflow gone for good (its cooldown cut short): what a redelivery meets after the session's end.
  await client.workflow.getHandle(workflowIds.session(sessionId)).terminate('test: the workflow is over');

  // Temporal still knows the update by its id and answers with its result.
  expect(await deliver(sessionId, userId, paymentId)).toEqual({ outcome: 'applied', rejections: 0 });
  // A server that no longer knows it (restarted, its outcome gone) says only "the workflow is over": the read model,
  // where the workflow recorded the extension before the session could end, decides.
  const forgetful: WorkflowGateway = { ...gateway, extendSession: async () => null };
  expect(await deliver(sessionId, userId, paymentId, forgetful)).toEqual({ outcome: 'applied', rejections: 0 });
  expect(await deliver(sessionId, userId, `pi_${randomUUID()}`, forgetful)).toEqual({ outcome: 'rejected', rejections: 1 });
  expect(await deliver(sessionId, userId, `pi_${randomUUID()}`)).toEqual({ outcome: 'rejected', rejections: 1 });
});
