import type { PoolClient } from '@hourglass/postgres';
import type { CreditKind, Grant, Plan } from '../domain/rules';

export interface Account {
  userId: string;
  planId: string;
  periodStart: Date;
  periodEnd: Date;
  createdAt: Date;
}

const planColumns = `id, name, mode, max_sessions_per_period, max_minutes_per_period, session_minutes, cooldown_minutes,
  max_upload_mb, signup_free_credits, period_months, session_price_cents`;

export function toPlan(r: any): Plan {
  return {
    id: r.id,
    name: r.name,
    mode: r.mode,
    maxSessionsPerPeriod: r.max_sessions_per_period,
    maxMinutesPerPeriod: r.max_minutes_per_period,
    sessionMinutes: r.session_minutes,
    cooldownMinutes: r.cooldown_minutes,
    maxUploadMb: r.max_upload_mb,
    signupFreeCredits: r.signup_free_credits,
    periodMonths: r.period_months,
    sessionPriceCents: r.session_price_cents,
  };
}

export async function getPlan(db: PoolClient | { query: PoolClient['query'] }, id: string): Promise<Plan | null> {
  const { rows } = await db.query(`SELECT ${planColumns} FROM plans WHERE id = $1`, [id]);
  return rows[0] ? toPlan(rows[0]) : null;
}

export async function listPlans(db: { query: PoolClient['query'] }): Promise<Plan[]> {
  const { rows } = await db.query(`SELECT ${planColumns} FROM plans ORDER BY id`);
  return rows.map(toPlan);
}

export async function upsertPlan(db: { query: PoolClient['query'] }, p: Plan): Promise<Plan> {
  const { rows } = await db.query(
    `INSERT INTO plans (id, name, mode, max_sessions_per_period, max_minutes_per_period, session_minutes, cooldown_minutes,
       max_upload_mb, signup_free_credits, period_months, session_price_cents, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, now())
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, mode = EXCLUDED.mode,
       max_sessions_per_period = EXCLUDED.max_sessions_per_period, max_minutes_per_period = EXCLUDED.max_minutes_per_period,
       session_minutes = EXCLUDED.session_minutes, cooldown_minutes = EXCLUDED.cooldown_minutes, max_upload_mb = EXCLUDED.max_upload_mb,
       signup_free_credits = EXCLUDED.signup_free_credits, period_months = EXCLUDED.period_months,
       session_price_cents = EXCLUDED.session_price_cents, updated_at = now()
     RETURNING ${planColumns}`,
    [p.id, p.name, p.mode, p.maxSessionsPerPeriod, p.maxMinutesPerPeriod, JSON.stringify(p.sessionMinutes), p.cooldownMinutes, p.maxUploadMb, p.signupFreeCredits, p.periodMonths, p.sessionPriceCents],
  );
  return toPlan(rows[0]);
}

const toAccount = (r: any): Account => ({ userId: r.user_id, planId: r.plan_id, periodStart: r.period_start, periodEnd: r.period_end, createdAt: r.created_at });

/** Inserts the account if it is new; returns true only for the one caller that created it (concurrent-safe). */
export async function insertAccountIfNew(tx: PoolClient, userId: string, planId: string, periodStart: Date, periodEnd: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO accounts (user_id, plan_id, period_start, period_end) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING`,
    [userId, planId, periodStart, periodEnd],
  );
  return rowCount === 1;
}

/** Locks the user's account row: every credit move of one user is serialised behind it. */
export async function lockAccount(tx: PoolClient, userId: string): Promise<Account | null> {
  const { rows } = await tx.query(`SELECT user_id, plan_id, period_start, period_end, created_at FROM accounts WHERE user_id = $1 FOR UPDATE`, [userId]);
  return rows[0] ? toAccount(rows[0]) : null;
}

export async function findAccount(db: { query: PoolClient['query'] }, userId: string): Promise<Account | null> {
  const { rows } = await db.query(`SELECT user_id, plan_id, period_start, period_end, created_at FROM accounts WHERE user_id = $1`, [userId]);
  return rows[0] ? toAccount(rows[0]) : null;
}

export async function setAccountPeriod(tx: PoolClient, userId: string, start: Date, end: Date): Promise<void> {
  await tx.query(`UPDATE accounts SET period_start = $2, period_end = $3 WHERE user_id = $1`, [userId, start, end]);
}

export async function setAccountPlan(tx: PoolClient, userId: string, planId: string): Promise<void> {
  await tx.query(`UPDATE accounts SET plan_id = $2 WHERE user_id = $1`, [userId, planId]);
}

const toGrant = (r: any): Grant => ({ id: r.id, kind: r.kind, remaining: r.remaining, priority: r.priority, expiresAt: r.expires_at, createdAt: r.created_at });

export async function grantsOf(db: { query: PoolClient['query'] }, userId: string, { lock = false } = {}): Promise<Grant[]> {
  const { rows } = await db.query(
    `SELECT id, kind, remaining, priority, expires_at, created_at FROM credit_grants WHERE user_id = $1 AND remaining > 0 ${lock ? 'FOR UPDATE' : ''}`,
    [userId],
  );
  return rows.map(toGrant);
}

export interface NewGrant {
  id: string;
  userId: string;
  kind: CreditKind;
  quantity: number;
  priority?: number;
  expiresAt?: Date | null;
  source: 'signup' | 'payment' | 'admin' | 'refund';
  sourceRef: string;
}

/** Inserts a grant unless one with the same (source, source_ref) exists; returns whether it was inserted. */
export async function insertGrant(tx: PoolClient, g: NewGrant): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO credit_grants (id, user_id, kind, quantity, remaining, priority, expires_at, source, source_ref)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8) ON CONFLICT (source, source_ref) DO NOTHING`,
    [g.id, g.userId, g.kind, g.quantity, g.priority ?? 0, g.expiresAt ?? null, g.source, g.sourceRef],
  );
  return rowCount === 1;
}

export async function adjustGrant(tx: PoolClient, grantId: string, delta: number): Promise<void> {
  await tx.query(`UPDATE credit_grants SET remaining = remaining + $2 WHERE id = $1`, [grantId, delta]);
}

export interface LedgerEntry {
  id: string;
  userId: string;
  grantId: string;
  delta: number;
  reason: 'grant' | 'consume' | 'refund' | 'expire' | 'revoke';
  idempotencyKey?: string | null;
  sessionId?: string | null;
  actor: string;
  note?: string | null;
}

export async function appendLedger(tx: PoolClient, e: LedgerEntry): Promise<void> {
  await tx.query(
    `INSERT INTO credit_ledger (id, user_id, grant_id, delta, reason, idempotency_key, session_id, actor, note)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [e.id, e.userId, e.grantId, e.delta, e.reason, e.idempotencyKey ?? null, e.sessionId ?? null, e.actor, e.note ?? null],
  );
}

export async function ledgerByKey(db: { query: PoolClient['query'] }, key: string): Promise<(LedgerEntry & { kind: CreditKind }) | null> {
  const { rows } = await db.query(
    `SELECT l.id, l.user_id, l.grant_id, l.delta, l.reason, l.idempotency_key, l.session_id, l.actor, l.note, g.kind
     FROM credit_ledger l JOIN credit_grants g ON g.id = l.grant_id WHERE l.idempotency_key = $1`,
    [key],
  );
  const r = rows[0];
  return r ? { id: r.id, userId: r.user_id, grantId: r.grant_id, delta: r.delta, reason: r.reason, idempotencyKey: r.idempotency_key, sessionId: r.session_id, actor: r.actor, note: r.note, kind: r.kind } : null;
}

export async function ledgerOf(db: { query: PoolClient['query'] }, userId: string, limit = 200) {
  const { rows } = await db.query(
    `SELECT l.id, l.grant_id, g.kind, l.delta, l.reason, l.idempotency_key, l.session_id, l.actor, l.note, l.created_at
     FROM credit_ledger l JOIN credit_grants g ON g.id = l.grant_id WHERE l.user_id = $1 ORDER BY l.created_at DESC, l.id LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/** Sessions and seconds counted in [start, end): only the current billing period, never all history. */
export async function usageBetween(db: { query: PoolClient['query'] }, userId: string, start: Date, end: Date): Promise<{ sessions: number; seconds: number }> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS sessions, coalesce(sum(seconds), 0)::int AS seconds FROM session_usage
     WHERE user_id = $1 AND counted AND started_at >= $2 AND started_at < $3`,
    [userId, start, end],
  );
  return { sessions: rows[0].sessions, seconds: rows[0].seconds };
}

export async function insertUsage(tx: PoolClient, sessionId: string, userId: string, startedAt: Date): Promise<void> {
  await tx.query(`INSERT INTO session_usage (session_id, user_id, started_at) VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING`, [sessionId, userId, startedAt]);
}

/** Sets a session's seconds once; returns the row when this call recorded it (false when already recorded). */
export async function recordUsageSeconds(tx: PoolClient, sessionId: string, seconds: number): Promise<{ user_id: string; started_at: Date } | null> {
  const { rows } = await tx.query(
    `UPDATE session_usage SET seconds = $2, recorded_at = now() WHERE session_id = $1 AND recorded_at IS NULL RETURNING user_id, started_at`,
    [sessionId, seconds],
  );
  return rows[0] ?? null;
}

export async function uncountUsage(tx: PoolClient, sessionId: string): Promise<void> {
  await tx.query(`UPDATE session_usage SET counted = false WHERE session_id = $1`, [sessionId]);
}

/** Marks a session's start as abandoned; returns false when it already was. */
export async function insertSessionVoid(tx: PoolClient, sessionId: string, userId: string, reason: string): Promise<boolean> {
  const { rowCount } = await tx.query(`INSERT INTO session_voids (session_id, user_id, reason) VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING`, [sessionId, userId, reason]);
  return rowCount === 1;
}

export async function isSessionVoid(db: { query: PoolClient['query'] }, sessionId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM session_voids WHERE session_id = $1`, [sessionId]);
  return (rowCount ?? 0) > 0;
}
