import type { PoolClient, Queryable } from '@hourglass/postgres';

export type SessionEventType = 'session:started' | 'session:extended' | 'session:ending_soon' | 'session:ended' | 'session:expired' | 'file:added';

export interface SessionEvent {
  version: number;
  type: SessionEventType;
  data: Record<string, unknown>;
}

/**
 * Appends an event to a session's stream inside the caller's transaction. Versions are gap-free per session (the
 * session row is locked first), and NOTIFY reaches every replica's stream hub at commit.
 */
export async function appendSessionEvent(tx: PoolClient, sessionId: string, type: SessionEventType, data: Record<string, unknown>, { rowLocked = false }: { rowLocked?: boolean } = {}): Promise<number> {
  // (rowLocked: the caller's UPDATE of the session row already holds the lock)
  if (!rowLocked) await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
  const { rows } = await tx.query<{ version: number }>(
    `INSERT INTO session_events (session_id, version, type, data)
     SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM session_events WHERE session_id = $1
     RETURNING version`,
    [sessionId, type, data],
  );
  await tx.query(`SELECT pg_notify('session_events', $1)`, [sessionId]);
  return rows[0]!.version;
}

export async function eventsAfter(db: Queryable, sessionId: string, afterVersion: number): Promise<SessionEvent[]> {
  const { rows } = await db.query<SessionEvent>(`SELECT version, type, data FROM session_events WHERE session_id = $1 AND version > $2 ORDER BY version`, [sessionId, afterVersion]);
  return rows;
}
