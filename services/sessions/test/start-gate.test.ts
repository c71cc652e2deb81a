import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '@hourglass/logger';
import { createPool, withTransaction, type Pool } from '@hourglass/postgres';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { workflowIds } from '@hourglass/workflows';
import { createBillingClient, CreditRefused } from '../src/adapters/billing-client';
import { insertStartingSession, lockGate, type StartingSession } from '../src/adapters/start-gate-repository';
import { sessionWorkflowStarter } from '../src/adapters/temporal-gateway';
import { sessionStartOf } from '../src/domain/start-gate';
import { abandonStart, completeStart, startSession, sweepStaleStarts, type StartDeps } from '../src/use-cases/start-session';

// The start path's failure handling against the running stack (its sessions database, billing, Kafka, Temporal and
// sessions worker): a start that stops half-way gives its credit back, durably, whatever order things arrive in.
jest.setTimeout(60_000);

let sessionsDb: Pool;
let billingDb: Pool;
let connection: Connection;
let deps: StartDeps;
const logger = createLogger({ service: 'start-gate-test', level: 'silent' });

beforeAll(async () => {
  sessionsDb = createPool({ connectionString: stack.sessionsDatabaseUrl, applicationName: 'start-gate-test' });
  billingDb = createPool({ connectionString: stack.billingDatabaseUrl, applicationName: 'start-gate-test' });
  connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  deps = { pool: sessionsDb, billing: createBillingClient({ baseUrl: stack.billingUrl, jwtSecret: stack.jwtSecret }), workflows: sessionWorkflowStarter(client), logger };
});
afterAll(async () => {
  await sessionsDb?.end();
  await billingDb?.end();
  await connection?.close();
});

const credits = async (userId: string) => (await api(stack.billingUrl, '/api/users/credits', { token: await tokenFor(userId) })).body.total_available as number;
const ledgerOf = async (sessionId: string) => (await billingDb.query(`SELECT reason FROM credit_ledger WHERE session_id = $1 ORDER BY created_at`, [sessionId])).rows.map((r) => r.reason as string);
const statusOf = async (sessionId: string) => (await sessionsDb.query(`SELECT status FROM sessions WHERE id = $1`, [sessionId])).rows[0]?.status as string | undefined;

/** Step 1 of a start, as the API takes it: the decision under the user's gate lock, a `starting` row. */
async function decided(userId: string, origin: 'request' | 'auto' = 'request', { aged = false } = {}): Promise<StartingSession> {
  const s: StartingSession = { sessionId: randomUUID(), userId, participantId: null, mode: 'chat', preferredKind: null, origin, createdAt: new Date() };
  await withTransaction(sessionsDb, async (tx) => {
    await lockGate(tx, userId, null);
    await insertStartingSession(tx, s);
    // Decided long ago: only these rows are old enough for the sweeps below (other tests' starts are in flight).
    if (aged) await tx.query(`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE id = $1`, [s.sessionId]);
  });
  return s;
}
const SWEEP_OLDER_THAN_MS = 30 * 60_000;

/** A port nothing listens on (taken from the OS, then let go). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('a start whose process died after the credit was taken is given up by the sweeper, and billing gives the credit back', async () => {
  const userId = uniqueId('died');
  expect(await credits(userId)).toBe(3);
  const s = await decided(userId, 'request', { aged: true });
  await deps.billing.consumeCredit({ userId, sessionId: s.sessionId }); // …and here the process died
  expect(await credits(userId)).toBe(2);

  const swept = await sweepStaleStarts(deps, SWEEP_OLDER_THAN_MS);
  expect(swept.abandoned).toBeGreaterThanOrEqual(1);
  expect(await statusOf(s.sessionId)).toBe('abandoned');
  await eventually(async () => (await credits(userId)) === 3, { what: 'billing to give the credit back' });
  expect(await ledgerOf(s.sessionId)).toEqual(['consume', 'refund']);
  // Nobody can see a session that never began.
  expect((await api(stack.sessionsUrl, `/api/sessions/${s.sessionId}`, { token: await tokenFor(userId) })).status).toBe(404);
});

test('a consumption that arrives after its start was given up takes nothing (START_ABANDONED)', async () => {
  const userId = uniqueId('late-credit');
  await credits(userId);
  const s = await decided(userId);
  await abandonStart(deps, s.sessionId, 'the caller left');
  await eventually(async () => (await billingDb.query(`SELECT 1 FROM session_voids WHERE session_id = $1`, [s.sessionId])).rowCount === 1, { what: 'billing to hear of the abandoned start' });
  const refused = await deps.billing.consumeCredit({ userId, sessionId: s.sessionId }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(CreditRefused);
  expect((refused as CreditRefused).code).toBe('START_ABANDONED');
  expect(await credits(userId)).toBe(3);
  expect(await ledgerOf(s.sessionId)).toEqual([]);
});

test('a session workflow started for a start that was given up meanwhile ends at once and runs nothing', async () => {
  const userId = uniqueId('late-workflow');
  const s = await decided(userId);
  const credit = await deps.billing.consumeCredit({ userId, sessionId: s.sessionId });
  await abandonStart(deps, s.sessionId, 'the start took too long');
  const start = sessionStartOf(s, credit, Date.now());
  await deps.workflows.startSessionWorkflow(start);
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  expect(await client.workflow.getHandle(workflowIds.session(s.sessionId)).result()).toMatchObject({ status: 'cancelled', durationUsedSeconds: 0 });
  expect(await statusOf(s.sessionId)).toBe('abandoned');
  await eventually(async () => (await credits(userId)) === 3, { what: 'the credit to come back' });
});

test('a caller who hangs up before the session began gets none: nothing starts, the credit comes back', async () => {
  const userId = uniqueId('hung-up');
  await credits(userId);
  const err = await startSession(deps, { userId, mode: 'chat' }, { callerGone: () => true }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  const { rows } = await sessionsDb.query(`SELECT id, status, abandon_reason FROM sessions WHERE user_id = $1`, [userId]);
  expect(rows).toEqual([expect.objectContaining({ status: 'abandoned', abandon_reason: 'the caller left before the session began' })]);
  await eventually(async () => (await credits(userId)) === 3, { what: 'the credit to come back' });
  // The gate is free again: the next start goes through.
  expect((await startSession(deps, { userId, mode: 'chat' })).session.status).toBe('active');
});

test('an auto-start that stopped half-way is finished by the sweeper, not given up', async () => {
  const userId = uniqueId('auto-resume');
  await credits(userId);
  const s = await decided(userId, 'auto', { aged: true });
  await sweepStaleStarts(deps, SWEEP_OLDER_THAN_MS);
  expect(await statusOf(s.sessionId)).toBe('active');
  expect(await credits(userId)).toBe(2);
  expect((await api(stack.sessionsUrl, `/api/sessions/${s.sessionId}`, { token: await tokenFor(userId) })).body).toMatchObject({ status: 'active', session_type: 'freemium' });
});

test('the database itself refuses a second live session for one user, whatever the code does', async () => {
  const userId = uniqueId('backstop');
  await decided(userId);
  const second = await decided(userId).catch((e: unknown) => e);
  expect(second).toMatchObject({ code: '23505', constraint: 'sessions_one_live_per_user' });
});

test('completing a start twice (a resumed start) takes one credit and starts one workflow', async () => {
  const userId = uniqueId('twice');
  await credits(userId);
  const s = await decided(userId, 'auto');
  const [a, b] = await Promise.all([completeStart(deps, s), completeStart(deps, s)]);
  expect(a.session.id).toBe(s.sessionId);
  expect(b.session.id).toBe(s.sessionId);
  expect(await ledgerOf(s.sessionId)).toEqual(['consume']);
  expect(await credits(userId)).toBe(2);
});

test('billing not reachable at all (connection refused): 503, and the start leaves nothing behind to settle', async () => {
  const userId = uniqueId('no-billing');
  const unreachable = { ...deps, billing: createBillingClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, jwtSecret: stack.jwtSecret }) };
  const err = await startSession(unreachable, { userId, mode: 'chat' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  expect((await sessionsDb.query(`SELECT status FROM sessions WHERE user_id = $1`, [userId])).rows).toEqual([]);
  // …and the gate is free: with billing back, the same user starts at once.
  expect((await startSession(deps, { userId, mode: 'chat' })).session.status).toBe('active');
});
