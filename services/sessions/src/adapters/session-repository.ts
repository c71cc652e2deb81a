import type { Queryable } from '@hourglass/postgres';
import type { SessionEndRecord, SessionRecord } from '@hourglass/workflows';
import type { SessionRow } from '../domain/session';

const columns = `id, user_id, participant_id, mode, session_type, status, duration_minutes, started_at, expires_at, ended_at,
  duration_used_seconds, auto_started`;

interface DbRow {
  id: string;
  user_id: string;
  participant_id: string | null;
  mode: string;
  session_type: string;
  status: SessionRow['status'];
  duration_minutes: number;
  started_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  duration_used_seconds: number | null;
  auto_started: boolean;
}

const toRow = (r: DbRow): SessionRow => ({
  id: r.id,
  userId: r.user_id,
  participantId: r.participant_id,
  mode: r.mode,
  sessionType: r.session_type,
  status: r.status,
  durationMinutes: r.duration_minutes,
  startedAt: r.started_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at,
  durationUsedSeconds: r.duration_used_seconds,
  autoStarted: r.auto_started,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findSession(db: Queryable, id: string): Promise<SessionRow | null> {
  if (!UUID.test(id)) return null;
  // A start still being decided, or given up, is no session anyone can see (its caller never got its id).
  const { rows } = await db.query<DbRow>(`SELECT ${columns} FROM sessions WHERE id = $1 AND status NOT IN ('starting', 'abandoned')`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** Returns true when the row was inserted now (false: it already existed — a retried activity). */
export async function insertStartedSession(db: Queryable, r: SessionRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO sessions (id, user_id, participant_id, mode, session_type, status, duration_minutes, started_at, expires_at,
       auto_started, credit_kind, ledger_entry_id)
     VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO NOTHING`,
    [r.sessionId, r.userId, r.participantId ?? null, r.mode, r.sessionType, r.durationMinutes, r.startedAt, r.expiresAt, r.autoStarted, r.creditKind, r.ledgerEntryId],
  );
  return rowCount === 1;
}

/** Moves an active session to its final state. Returns true when this call made the change. */
export async function markSessionEnded(db: Queryable, r: SessionEndRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sessions SET status = $2, ended_at = $3, duration_used_seconds = $4, updated_at = now()
     WHERE id = $1 AND status = 'active'`,
    [r.sessionId, r.status, r.endedAt, r.durationUsedSeconds],
  );
  return rowCount === 1;
}


/** A session's status as stored, whatever it is (starting and abandoned included); null when there is no such row. */
export async function sessionStatus(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ status: string }>(`SELECT status FROM sessions WHERE id = $1`, [id]);
  return rows[0]?.status ?? null;
}
