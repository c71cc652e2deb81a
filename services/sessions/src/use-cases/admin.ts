import { randomUUID } from 'node:crypto';
import { DomainError, notFound } from '@hourglass/errors';
import { withTransaction, type Queryable } from '@hourglass/postgres';
import { sessionStates } from '@hourglass/workflows';
import { findSession } from '../adapters/session-repository';
import { effectiveStatus } from '../domain/session';
import { applyPaidExtension } from './extensions';
import * as packs from './packs';
import { endSession, getGate, sessionBody, type Deps } from './sessions';

type Admin = { sub: string; role: string };

/** Records an operator action with the admin's id and reason (append-only). */
async function audit(db: Queryable, admin: Admin, action: string, target: { type: string; id: string }, reason: string, details: Record<string, unknown> = {}) {
  await db.query(`INSERT INTO admin_actions (id, admin_id, action, target_type, target_id, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    randomUUID(),
    admin.sub,
    action,
    target.type,
    target.id,
    reason,
    details,
  ]);
}

/** A user as support sees them in the sessions service: sessions (as owner or participant), gate, packs. */
export async function userOverview(deps: Deps & packs.PackDeps, admin: Admin, userId: string) {
  const now = (deps.now ?? (() => new Date()))();
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM sessions WHERE user_id = $1 OR participant_id = $1 ORDER BY started_at DESC LIMIT 50`,
    [userId],
  );
  const sessions = (await Promise.all(rows.map((r) => findSession(deps.pool, r.id)))).filter((r) => r !== null).map((r) => ({ ...sessionBody(r, now), user_id: r.userId, participant_id: r.participantId }));
  const [gate, userPacks] = await Promise.all([getGate(deps, { sub: userId, role: 'user' }), packs.myPacks(deps, { sub: userId, role: 'user' })]);
  return { user_id: userId, gate, sessions, packs: userPacks.packs, viewed_by: admin.sub };
}

export async function adminEndSession(deps: Deps, admin: Admin, sessionId: string, reason: string) {
  const result = await endSession(deps, admin, sessionId);
  await audit(deps.pool, admin, 'session.end', { type: 'session', id: sessionId }, reason, { status: result.status });
  return result;
}

/** Extends an active session without payment; the operator's action id stands in for the payment id (once). */
export async function adminExtendSession(deps: Deps, admin: Admin, sessionId: string, minutes: number, reason: string, actionId: string = randomUUID()) {
  const now = () => (deps.now ?? (() => new Date()))();
  const row = await findSession(deps.pool, sessionId);
  if (!row) throw notFound('Session', { session_id: sessionId });
  const refusal = (from: string) => new DomainError('INVALID_TRANSITION', 'Only an active session can be extended', { from, to: 'extended' });
  const t = sessionStates.transition(effectiveStatus(row, now()), 'extend');
  if (!t.ok) throw refusal(t.from);
  await withTransaction(deps.pool, async (tx) => {
    const applied = await applyPaidExtension(tx, deps.gateway, { paymentId: `admin:${actionId}`, sessionId, userId: row.userId, minutes });
    // Ended meanwhile: roll back (a free extension has no payment for billing to refund, the way a late one is).
    if (applied === 'rejected') throw refusal('ended');
    await audit(tx, admin, 'session.extend', { type: 'session', id: sessionId }, reason, { minutes, action_id: actionId });
  });
  return sessionBody((await findSession(deps.pool, sessionId))!, now());
}

export async function auditTrail(db: Queryable, target: { type?: string; id?: string }, limit = 100) {
  const { rows } = await db.query(
    `SELECT id, admin_id, action, target_type, target_id, reason, details, created_at FROM admin_actions
      WHERE ($1::text IS NULL OR target_type = $1) AND ($2::text IS NULL OR target_id = $2) ORDER BY created_at DESC LIMIT $3`,
    [target.type ?? null, target.id ?? null, limit],
  );
  return { items: rows };
}
