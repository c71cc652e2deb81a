import { randomUUID } from 'node:crypto';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { createLogger } from '@hourglass/logger';
import { createPool, type Pool } from '@hourglass/postgres';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { setAutoStartUpdate, startSessionUpdate, taskQueues, workflowIds } from '@hourglass/workflows';
import { retireGates } from '../src/use-cases/retire-gates';

// Executions started before the start gate moved into PostgreSQL, on the running stack: a user's gate workflow and the
// session it started keep working next to the new path, and retire-gates moves what a gate still holds.
jest.setTimeout(60_000);

let pool: Pool;
let connection: Connection;
let client: Client;
beforeAll(async () => {
  pool = createPool({ connectionString: stack.sessionsDatabaseUrl, applicationName: 'legacy-gate-test' });
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
});
afterAll(async () => {
  await pool?.end();
  await connection?.close();
});

/** What the sessions API used to do: update-with-start on the user's gate workflow. */
function legacyStart(userId: string) {
  const requestId = randomUUID();
  return client.workflow.executeUpdateWithStart(startSessionUpdate, {
    args: [{ requestId, userId, mode: 'legacy', requestedAt: new Date().toISOString() }],
    updateId: `start:${requestId}`,
    startWorkflowOperation: new WithStartWorkflowOperation('userGateWorkflow', { workflowId: workflowIds.gate(userId), taskQueue: taskQueues.sessions, args: [{ userId }], workflowIdConflictPolicy: 'USE_EXISTING' }),
  });
}

test('a legacy session blocks a new start, ends through the API, leaves its cooldown in the gate row; retire-gates moves the wish', async () => {
  const userId = uniqueId('legacy');
  const token = await tokenFor(userId);
  const session = await legacyStart(userId);
  expect((await client.workflow.getHandle(workflowIds.session(session.id)).describe()).type).toBe('sessionWorkflow');
  expect((await api(stack.sessionsUrl, `/api/sessions/${session.id}`, { token })).body).toMatchObject({ status: 'active' });

  // One live session per user holds across both paths.
  const second = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'chat' } });
  expect(second.body).toMatchObject({ error: 'SESSION_ALREADY_ACTIVE', active_session_id: session.id });

  // Ended through today's API: the legacy workflow ends it, and the gate row learns the cooldown.
  const ended = await api(stack.sessionsUrl, `/api/sessions/${session.id}/end`, { method: 'POST', token });
  expect(ended.body).toMatchObject({ status: 'ended' });
  const refused = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'chat' } });
  expect(refused.status).toBe(409);
  expect(refused.body.error).toBe('COOLDOWN_ACTIVE');

  // A wish the legacy gate holds moves to the gate row; the gate, its session over, is terminated.
  const gate = client.workflow.getHandle(workflowIds.gate(userId));
  await eventually(async () => (await gate.query<{ activeSessionId: string | null }>('gateState')).activeSessionId === null, { what: 'the legacy gate to hear the end' });
  await gate.executeUpdate(setAutoStartUpdate, { args: [{ enabled: true, mode: 'voice' }] });
  // (the list of running gates comes from Temporal's visibility store, which may lag a moment behind)
  const logger = createLogger({ service: 'legacy-gate-test', level: 'silent' });
  await eventually(async () => (await retireGates({ pool, client, logger }), (await gate.describe()).status.name === 'TERMINATED'), { what: 'the gate to be retired' });
  expect((await pool.query(`SELECT auto_start_mode, cooldown_until > now() AS cooling FROM user_gates WHERE user_id = $1`, [userId])).rows[0]).toEqual({ auto_start_mode: 'voice', cooling: true });
  expect((await api(stack.sessionsUrl, '/api/users/me/gate', { token })).body).toMatchObject({ auto_start: true, can_start: false });
});
