import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { enqueueEvent, kafkaMigrationsDir } from '@hourglass/kafka';
import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase, withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import { timestampFromDate } from '@hourglass/proto';

const repo = path.resolve(__dirname, '../..');

/**
 * L0: the Postgres work of one real session start by a user seen for the first time (what L3 does per request),
 * with nothing else around it — no HTTP, no Temporal, no Kafka. Two scratch databases built by the services' own
 * migrations (billing's and sessions', each with the outbox tables), and the same statements in the same order as
 * billing's `lockUser` + `consumeCredit` and the sessions worker's `recordSessionStarted`:
 *   billing tx: account lock (miss) → plan → account + signup grant + ledger + credit.granted outbox → account lock →
 *               plan → ledger by idempotency key → usage in period → grants FOR UPDATE → grant −1 → ledger → usage →
 *               credit.consumed outbox (+ pg_notify)
 *   sessions tx: session row → row lock → session_events (+ pg_notify) → session.started outbox (+ pg_notify)
 */
export async function postgresStart(adminUrl: string) {
  const suffix = randomBytes(3).toString('hex');
  const names = { billing: `bench_l0_billing_${suffix}`, sessions: `bench_l0_sessions_${suffix}` };
  const pools: Pool[] = [];
  const open = async (name: string, own: string) => {
    await ensureDatabase(adminUrl, name);
    const url = withDatabase(adminUrl, name);
    await migrate(url, [
      { dir: kafkaMigrationsDir, table: 'pgmigrations_kafka' },
      { dir: path.join(repo, own), table: 'pgmigrations' },
    ]);
    const pool = createPool({ connectionString: url, max: 10, applicationName: 'bench-l0' });
    pools.push(pool);
    return pool;
  };
  const billing = await open(names.billing, 'services/billing/migrations');
  const sessions = await open(names.sessions, 'services/sessions/migrations');

  const lockAccount = (tx: PoolClient, userId: string) =>
    tx.query(`SELECT user_id, plan_id, period_start, period_end, created_at FROM accounts WHERE user_id = $1 FOR UPDATE`, [userId]);
  const getPlan = (tx: PoolClient, id: string) =>
    tx.query(`SELECT id, name, mode, max_sessions_per_period, max_minutes_per_period, session_minutes, cooldown_minutes, max_upload_mb, signup_free_credits, period_months, session_price_cents FROM plans WHERE id = $1`, [id]);

  async function consume(userId: string, sessionId: string) {
    return withTransaction(billing, async (tx) => {
      const now = new Date();
      const periodEnd = new Date(now.getTime() + 30 * 86_400_000);
      await lockAccount(tx, userId);
      const plan = (await getPlan(tx, 'standard')).rows[0];
      await tx.query(`INSERT INTO accounts (user_id, plan_id, period_start, period_end) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING`, [userId, plan.id, now, periodEnd]);
      const signupGrant = randomUUID();
      await tx.query(
        `INSERT INTO credit_grants (id, user_id, kind, quantity, remaining, priority, expires_at, source, source_ref) VALUES ($1, $2, 'free', $3, $3, 0, NULL, 'signup', $2) ON CONFLICT (source, source_ref) DO NOTHING`,
        [signupGrant, userId, plan.signup_free_credits],
      );
      await tx.query(`INSERT INTO credit_ledger (id, user_id, grant_id, delta, reason, idempotency_key, session_id, actor, note) VALUES ($1, $2, $3, $4, 'grant', $5, NULL, 'system', 'signup credits')`, [
        randomUUID(),
        userId,
        signupGrant,
        plan.signup_free_credits,
        `grant:signup:${userId}`,
      ]);
      await enqueueEvent(tx, 'billing.credit.granted.v1', { grantId: signupGrant, userId, kind: 'free', quantity: plan.signup_free_credits, source: 'signup', sourceRef: userId });
      const account = (await lockAccount(tx, userId)).rows[0];
      await getPlan(tx, account.plan_id);
      await tx.query(
        `SELECT l.id, l.user_id, l.grant_id, l.delta, l.reason, l.idempotency_key, l.session_id, l.actor, l.note, g.kind FROM credit_ledger l JOIN credit_grants g ON g.id = l.grant_id WHERE l.idempotency_key = $1`,
        [`consume:${sessionId}`],
      );
      await tx.query(`SELECT count(*)::int AS sessions, coalesce(sum(seconds), 0)::int AS seconds FROM session_usage WHERE user_id = $1 AND counted AND started_at >= $2 AND started_at < $3`, [
        userId,
        account.period_start,
        account.period_end,
      ]);
      const grants = await tx.query(`SELECT id, kind, remaining, priority, expires_at, created_at FROM credit_grants WHERE user_id = $1 AND remaining > 0 FOR UPDATE`, [userId]);
      const pick = grants.rows[0];
      const ledgerEntryId = randomUUID();
      await tx.query(`UPDATE credit_grants SET remaining = remaining + $2 WHERE id = $1`, [pick.id, -1]);
      await tx.query(`INSERT INTO credit_ledger (id, user_id, grant_id, delta, reason, idempotency_key, session_id, actor, note) VALUES ($1, $2, $3, -1, 'consume', $4, $5, $2, NULL)`, [
        ledgerEntryId,
        userId,
        pick.id,
        `consume:${sessionId}`,
        sessionId,
      ]);
      await tx.query(`INSERT INTO session_usage (session_id, user_id, started_at) VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING`, [sessionId, userId, now]);
      await enqueueEvent(tx, 'billing.credit.consumed.v1', { ledgerEntryId, userId, grantId: pick.id, kind: pick.kind, idempotencyKey: `consume:${sessionId}`, sessionId });
      return { ledgerEntryId, minutes: Number(plan.session_minutes.freemium) };
    });
  }

  async function record(userId: string, sessionId: string, ledgerEntryId: string, minutes: number) {
    const startedAt = new Date();
    const expiresAt = new Date(startedAt.getTime() + minutes * 60_000);
    const durationMinutes = Math.ceil(minutes);
    await withTransaction(sessions, async (tx) => {
      await tx.query(
        `INSERT INTO sessions (id, user_id, participant_id, mode, session_type, status, duration_minutes, started_at, expires_at, auto_started, credit_kind, ledger_entry_id)
         VALUES ($1, $2, NULL, 'bench', 'freemium', 'active', $3, $4, $5, false, 'free', $6) ON CONFLICT (id) DO NOTHING`,
        [sessionId, userId, durationMinutes, startedAt, expiresAt, ledgerEntryId],
      );
      await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
      await tx.query(`INSERT INTO session_events (session_id, version, type, data) SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM session_events WHERE session_id = $1 RETURNING version`, [
        sessionId,
        'session:started',
        { session_id: sessionId, started_at: startedAt.toISOString(), expires_at: expiresAt.toISOString(), duration_minutes: durationMinutes, session_type: 'freemium' },
      ]);
      await tx.query(`SELECT pg_notify('session_events', $1)`, [sessionId]);
      await enqueueEvent(tx, 'sessions.session.started.v1', {
        sessionId,
        userId,
        sessionType: 'freemium',
        mode: 'bench',
        durationMinutes,
        startedAt: timestampFromDate(startedAt),
        expiresAt: timestampFromDate(expiresAt),
        autoStarted: false,
        participantId: '',
      });
    });
  }

  return {
    /** One start by a new user: both transactions, one after the other (as the gate runs the two activities). */
    async start(): Promise<void> {
      const userId = `l0-${randomUUID()}`;
      const sessionId = randomUUID();
      const { ledgerEntryId, minutes } = await consume(userId, sessionId);
      await record(userId, sessionId, ledgerEntryId, minutes);
    },
    async close(): Promise<void> {
      await Promise.all(pools.map((p) => p.end()));
      await dropDatabase(adminUrl, names.billing);
      await dropDatabase(adminUrl, names.sessions);
    },
  };
}
