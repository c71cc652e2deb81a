import type { PoolClient, Queryable } from '@hourglass/postgres';
import type { CreditKind, SessionStart } from '@hourglass/workflows';

/** What the start decision reads, under the user's gate lock. */
export interface LockedGate {
  cooldownUntil: Date | null;
  autoStartMode: string | null;
  /** The user's starting-or-active session, if any. */
  liveSessionId: string | null;
  /** The earlier request with the same Idempotency-Key, if one was given and seen. */
  earlier: { paramsHash: string; sessionId: string; answer: unknown | null } | null;
}

/**
 * Locks the user's gate row (created on first use) and reads everything a start is decided on, in one round trip for a
 * returning user. Starts of one user queue here; starts of different users never meet.
 */
export async function lockGate(tx: PoolClient, userId: string, idempotencyKey: string | null): Promise<LockedGate> {
  const read = () =>
    tx.query<{ cooldown_until: Date | null; auto_start_mode: string | null; live_session_id: string | null; earlier: { params_hash: string; session_id: string; answer: unknown } | null }>(
      `SELECT g.cooldown_until, g.auto_start_mode,
              (SELECT s.id FROM sessions s WHERE s.user_id = g.user_id AND s.status IN ('starting', 'active')) AS live_session_id,
              (SELECT row_to_json(r) FROM (SELECT params_hash, session_id, answer FROM start_requests
                                            WHERE user_id = g.user_id AND idempotency_key = $2) r) AS earlier
         FROM user_gates g WHERE g.user_id = $1 FOR UPDATE OF g`,
      [userId, idempotencyKey],
    );
  let { rows } = await read();
  if (rows.length === 0) {
    await tx.query(`INSERT INTO user_gates (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
    ({ rows } = await read());
  }
  const r = rows[0]!;
  return {
    cooldownUntil: r.cooldown_until,
    autoStartMode: r.auto_start_mode,
    liveSessionId: r.live_session_id,
    earlier: r.earlier ? { paramsHash: r.earlier.params_hash, sessionId: r.earlier.session_id, answer: r.earlier.answer } : null,
  };
}

export interface StartingSession {
  sessionId: string;
  userId: string;
  participantId: string | null;
  mode: string;
  preferredKind: CreditKind | null;
  origin: 'request' | 'auto';
  createdAt: Date;
}

/** The decision to start, as a `starting` row (the partial unique index allows one starting-or-active per user). */
export async function insertStartingSession(tx: PoolClient, s: Omit<StartingSession, 'createdAt'>): Promise<void> {
  await tx.query(
    `INSERT INTO sessions (id, user_id, participant_id, mode, status, origin, preferred_kind) VALUES ($1, $2, $3, $4, 'starting', $5, $6)`,
    [s.sessionId, s.userId, s.participantId, s.mode, s.origin, s.preferredKind],
  );
}

export async function rememberStartRequest(tx: PoolClient, userId: string, idempotencyKey: string, paramsHash: string, sessionId: string): Promise<void> {
  await tx.query(`INSERT INTO start_requests (user_id, idempotency_key, params_hash, session_id) VALUES ($1, $2, $3, $4)`, [userId, idempotencyKey, paramsHash, sessionId]);
}

/** The answer a started session's Idempotency-Key gives from now on. */
export async function answerStartRequest(db: Queryable, sessionId: string, answer: unknown): Promise<void> {
  await db.query(`UPDATE start_requests SET answer = $2 WHERE session_id = $1`, [sessionId, JSON.stringify(answer)]);
}

/** A start refused or abandoned keeps no request: the same key may be sent again. */
export async function forgetStartRequest(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`DELETE FROM start_requests WHERE session_id = $1`, [sessionId]);
}

/** A start refused before anything was taken (no credit, plan limit): the row goes, as if it had never been decided. */
export async function deleteStartingSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE id = $1 AND status = 'starting'`, [sessionId]);
}

export type Activation = 'activated' | 'active' | 'abandoned' | 'over' | 'missing';

/**
 * `starting` → `active` with what the credit bought. Whoever comes first does it (the API that started the workflow,
 * or the workflow's first step); the other learns what happened. The row stays locked until the caller commits.
 */
export async function activateStartingSession(tx: PoolClient, s: SessionStart): Promise<Activation> {
  const { rowCount } = await tx.query(
    `UPDATE sessions SET status = 'active', session_type = $2, duration_minutes = $3, started_at = $4, expires_at = $5,
            credit_kind = $6, ledger_entry_id = $7, cooldown_minutes = $8, auto_started = $9, updated_at = now()
      WHERE id = $1 AND status = 'starting'`,
    [s.sessionId, s.sessionType, s.durationMinutes, s.startedAt, s.expiresAt, s.creditKind, s.ledgerEntryId, s.cooldownMinutes, s.autoStarted],
  );
  if (rowCount === 1) return 'activated';
  const { rows } = await tx.query<{ status: string }>(`SELECT status FROM sessions WHERE id = $1`, [s.sessionId]);
  const status = rows[0]?.status;
  if (status === undefined) return 'missing';
  if (status === 'active') return 'active';
  if (status === 'abandoned') return 'abandoned';
  return 'over';
}

/** `starting` → `abandoned`; returns the row when this call abandoned it (null: it had moved on, or never existed). */
export async function abandonStartingSession(tx: PoolClient, sessionId: string, reason: string): Promise<{ userId: string } | null> {
  const { rows } = await tx.query<{ user_id: string }>(
    `UPDATE sessions SET status = 'abandoned', abandon_reason = $2, updated_at = now() WHERE id = $1 AND status = 'starting' RETURNING user_id`,
    [sessionId, reason],
  );
  return rows[0] ? { userId: rows[0].user_id } : null;
}

type StartingRow = { id: string; user_id: string; participant_id: string | null; mode: string; preferred_kind: CreditKind | null; origin: 'request' | 'auto'; created_at: Date };
const startingOf = (r: StartingRow): StartingSession => ({ sessionId: r.id, userId: r.user_id, participantId: r.participant_id, mode: r.mode, preferredKind: r.preferred_kind, origin: r.origin, createdAt: r.created_at });

export async function findStartingSession(db: Queryable, sessionId: string): Promise<StartingSession | null> {
  const { rows } = await db.query<StartingRow>(`SELECT id, user_id, participant_id, mode, preferred_kind, origin, created_at FROM sessions WHERE id = $1 AND status = 'starting'`, [sessionId]);
  return rows[0] ? startingOf(rows[0]) : null;
}

/** Starts that have been `starting` for longer than a start may take (their process died half-way), oldest first. */
export async function staleStartingSessions(db: Queryable, olderThanMs: number, limit: number): Promise<StartingSession[]> {
  const { rows } = await db.query<StartingRow>(
    `SELECT id, user_id, participant_id, mode, preferred_kind, origin, created_at FROM sessions
      WHERE status = 'starting' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2`,
    [olderThanMs / 1000, limit],
  );
  return rows.map(startingOf);
}

/** The cooldown after a session: never shortened by a later, shorter one. */
export async function extendCooldown(tx: PoolClient, userId: string, until: Date): Promise<void> {
  await tx.query(
    `INSERT INTO user_gates (user_id, cooldown_until) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET cooldown_until = GREATEST(user_gates.cooldown_until, EXCLUDED.cooldown_until), updated_at = now()`,
    [userId, until],
  );
}

/** Records (mode) or drops (null) the user's wish that the next session start by itself. */
export async function setAutoStartWish(db: Queryable, userId: string, mode: string | null): Promise<void> {
  await db.query(
    `INSERT INTO user_gates (user_id, auto_start_mode, auto_start_set_at) VALUES ($1, $2, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END)
     ON CONFLICT (user_id) DO UPDATE SET auto_start_mode = EXCLUDED.auto_start_mode, auto_start_set_at = EXCLUDED.auto_start_set_at, updated_at = now()`,
    [userId, mode],
  );
}

/** A session began: whatever wish the user had is fulfilled (or overtaken by a start by hand). */
export async function clearAutoStartWish(tx: PoolClient, userId: string): Promise<void> {
  await tx.query(`UPDATE user_gates SET auto_start_mode = NULL, auto_start_set_at = NULL, updated_at = now() WHERE user_id = $1 AND auto_start_mode IS NOT NULL`, [userId]);
}

export async function hasAutoStartWish(db: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM user_gates WHERE user_id = $1 AND auto_start_mode IS NOT NULL`, [userId]);
  return (rowCount ?? 0) > 0;
}

/** The gate as the user sees it (no lock). */
export async function readGate(db: Queryable, userId: string): Promise<{ cooldownUntil: Date | null; autoStartMode: string | null; activeSessionId: string | null }> {
  const { rows } = await db.query<{ cooldown_until: Date | null; auto_start_mode: string | null; active_session_id: string | null }>(
    `SELECT (SELECT cooldown_until FROM user_gates WHERE user_id = $1) AS cooldown_until,
            (SELECT auto_start_mode FROM user_gates WHERE user_id = $1) AS auto_start_mode,
            (SELECT id FROM sessions WHERE user_id = $1 AND status = 'active') AS active_session_id`,
    [userId],
  );
  const r = rows[0]!;
  return { cooldownUntil: r.cooldown_until, autoStartMode: r.auto_start_mode, activeSessionId: r.active_session_id };
}

/** Idempotency answers are kept a day: long enough for any client's retries. */
export async function pruneStartRequests(db: Queryable, olderThanHours = 24): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM start_requests WHERE created_at < now() - make_interval(hours => $1) AND answer IS NOT NULL`, [olderThanHours]);
  return rowCount ?? 0;
}
