import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import { gateRules, type SessionExtension, type SessionFinish, type SessionStart } from '@hourglass/workflows';
import { appendSessionEvent } from '../adapters/session-events';
import { markSessionEnded } from '../adapters/session-repository';
import { activateStartingSession, clearAutoStartWish, extendCooldown, type Activation } from '../adapters/start-gate-repository';
import { sessionsExtended, sessionsFinished, sessionsStarted } from '../metrics';

// The session's record over its life — started, extended, ending soon, over — each change with the events its
// participants (session_events) and the other services (outbox) hear of, in one transaction, and only once.

/** `starting` → `active`, announced; the user's auto-start wish is fulfilled (or overtaken by a start by hand). */
export async function activateSession(tx: PoolClient, start: SessionStart): Promise<Activation> {
  const activation = await activateStartingSession(tx, start);
  if (activation !== 'activated') return activation;
  afterCommit(tx, () => sessionsStarted.inc({ session_type: start.sessionType }));
  await appendSessionEvent(
    tx,
    start.sessionId,
    'session:started',
    { session_id: start.sessionId, started_at: start.startedAt, expires_at: start.expiresAt, duration_minutes: start.durationMinutes, session_type: start.sessionType },
    { rowLocked: true },
  );
  await enqueueEvent(tx, 'sessions.session.started.v1', {
    sessionId: start.sessionId,
    userId: start.userId,
    sessionType: start.sessionType,
    mode: start.mode,
    durationMinutes: start.durationMinutes,
    startedAt: timestampFromDate(new Date(start.startedAt)),
    expiresAt: timestampFromDate(new Date(start.expiresAt)),
    autoStarted: start.autoStarted,
    participantId: start.participantId ?? '',
  });
  await clearAutoStartWish(tx, start.userId);
  return activation;
}

/** A new deadline, once per payment (a step retried after a later extension was recorded changes nothing). */
export function recordSessionExtended(pool: Pool, e: SessionExtension): Promise<void> {
  return withTransaction(pool, (tx) => recordSessionExtendedInTx(tx, e));
}

/** Whether this payment's extension is in the read model (the workflow records it before the session can end). */
export async function extensionRecorded(tx: PoolClient, sessionId: string, paymentId: string): Promise<boolean> {
  const { rowCount } = await tx.query(`SELECT 1 FROM session_events WHERE session_id = $1 AND type = 'session:extended' AND data->>'payment_id' = $2`, [sessionId, paymentId]);
  return (rowCount ?? 0) > 0;
}

export async function recordSessionExtendedInTx(tx: PoolClient, e: SessionExtension): Promise<void> {
  {
    await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [e.sessionId]);
    if (await extensionRecorded(tx, e.sessionId, e.paymentId)) return;
    await tx.query(
      `UPDATE sessions SET expires_at = GREATEST(expires_at, $2), duration_minutes = GREATEST(duration_minutes, $3), updated_at = now() WHERE id = $1`,
      [e.sessionId, e.expiresAt, e.durationMinutes],
    );
    const remainingSeconds = Math.max(0, Math.floor((Date.parse(e.expiresAt) - Date.now()) / 1000));
    await appendSessionEvent(
      tx,
      e.sessionId,
      'session:extended',
      { session_id: e.sessionId, payment_id: e.paymentId, expires_at: e.expiresAt, remaining_seconds: remainingSeconds, added_minutes: e.addedMinutes, duration_minutes: e.durationMinutes },
      { rowLocked: true },
    );
    await enqueueEvent(tx, 'sessions.session.extended.v1', {
      sessionId: e.sessionId,
      userId: e.userId,
      paymentId: e.paymentId,
      addedMinutes: e.addedMinutes,
      expiresAt: timestampFromDate(new Date(e.expiresAt)),
      durationMinutes: e.durationMinutes,
    });
    afterCommit(tx, () => sessionsExtended.inc({ outcome: 'applied' }));
  }
}

/** `session:ending_soon`, once per deadline. */
export function recordSessionEndingSoon(pool: Pool, { sessionId, expiresAt }: { sessionId: string; expiresAt: string }): Promise<void> {
  return withTransaction(pool, async (tx) => {
    await tx.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
    const { rowCount } = await tx.query(`SELECT 1 FROM session_events WHERE session_id = $1 AND type = 'session:ending_soon' AND data->>'expires_at' = $2`, [sessionId, expiresAt]);
    if (rowCount) return;
    const remainingSeconds = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
    await appendSessionEvent(tx, sessionId, 'session:ending_soon', { session_id: sessionId, expires_at: expiresAt, remaining_seconds: remainingSeconds }, { rowLocked: true });
  });
}

/** The session is over: the row, its events, and the cooldown the user now has before their next session. */
export function recordSessionOver(pool: Pool, f: SessionFinish): Promise<void> {
  return withTransaction(pool, async (tx) => {
    if (!(await markSessionEnded(tx, f))) return;
    afterCommit(tx, () => sessionsFinished.inc({ session_type: f.sessionType, status: f.status }));
    await appendSessionEvent(
      tx,
      f.sessionId,
      f.status === 'expired' ? 'session:expired' : 'session:ended',
      { session_id: f.sessionId, status: f.status, ended_at: f.endedAt, duration_used_seconds: f.durationUsedSeconds, ...(f.endedBy ? { ended_by: f.endedBy } : {}) },
      { rowLocked: true },
    );
    await enqueueEvent(tx, 'sessions.session.ended.v1', {
      sessionId: f.sessionId,
      userId: f.userId,
      status: f.status,
      endedAt: timestampFromDate(new Date(f.endedAt)),
      durationUsedSeconds: f.durationUsedSeconds,
      sessionType: f.sessionType,
    });
    await extendCooldown(tx, f.userId, new Date(gateRules.cooldownUntil(f.endedAt, f.cooldownMinutes)));
  });
}
