import { createHash, randomUUID } from 'node:crypto';
import { DomainError, notFound } from '@hourglass/errors';
import { withTransaction, type Pool } from '@hourglass/postgres';
import type { WorkflowGateway } from '../adapters/temporal-gateway';

export interface PackDeps {
  pool: Pool;
  gateway: WorkflowGateway;
  graceHours: number;
  finalWarningHours: number;
}
type Principal = { sub: string; role: string };
const privileged = (p: Principal) => p.role === 'admin' || p.role === 'service';

/** Seats a mentor's packs occupy: held and not handed on (renewed) nor released. */
const SEATS_TAKEN = `SELECT count(*)::int AS n FROM packs WHERE mentor_id = $1 AND seat_status <> 'released' AND status <> 'renewed'`;

/**
 * Creates a pack for a student with a mentor (admin, or a paid `pack` checkout). A pack needs a free seat — unless
 * it renews the student's pack with the same mentor that still holds one: then it takes that seat over.
 */
export async function createPack(deps: PackDeps, input: { studentId: string; mentorId: string; sessions: number; packId?: string; paid?: boolean; expiresAt?: string }) {
  const packId = input.packId ?? randomUUID();
  const renewing = await withTransaction(deps.pool, async (tx) => {
    await tx.query(`INSERT INTO mentors (id) VALUES ($1) ON CONFLICT DO NOTHING`, [input.mentorId]);
    const { rows: mentor } = await tx.query(`SELECT seat_capacity FROM mentors WHERE id = $1 FOR UPDATE`, [input.mentorId]);
    const { rows: holding } = await tx.query(
      `SELECT id FROM packs WHERE student_id = $1 AND mentor_id = $2 AND seat_status <> 'released' AND status <> 'renewed' AND id <> $3 ORDER BY created_at DESC LIMIT 1`,
      [input.studentId, input.mentorId, packId],
    );
    const taken = (await tx.query(SEATS_TAKEN, [input.mentorId])).rows[0].n as number;
    // A paid pack was seat-checked before payment; if the seat went meanwhile, the payment is honoured anyway
    // (the mentor is over capacity by one, visible in /api/mentors/:id/seats) rather than lost.
    if (!holding[0] && taken >= mentor[0].seat_capacity && !input.paid) {
      throw new DomainError('NO_SEAT_AVAILABLE', 'This mentor has no free seat', { mentor_id: input.mentorId, seat_capacity: mentor[0].seat_capacity, seats_taken: taken });
    }
    await tx.query(
      `INSERT INTO packs (id, student_id, mentor_id, status, seat_status, total_sessions, remaining_sessions) VALUES ($1, $2, $3, 'active', 'held', $4, $4)
       ON CONFLICT (id) DO NOTHING`,
      [packId, input.studentId, input.mentorId, input.sessions],
    );
    return (holding[0]?.id as string | undefined) ?? null;
  });
  await deps.gateway.startPack({ packId, studentId: input.studentId, mentorId: input.mentorId, totalSessions: input.sessions, graceHours: deps.graceHours, finalWarningHours: deps.finalWarningHours, ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}) });
  if (renewing) await deps.gateway.renewPack(renewing, packId);
  return getPack(deps, { sub: 'system', role: 'service' }, packId);
}

async function packRow(deps: PackDeps, principal: Principal, packId: string) {
  const { rows } = await deps.pool.query(`SELECT * FROM packs WHERE id::text = $1`, [packId]);
  const pack = rows[0];
  if (!pack || !(privileged(principal) || pack.student_id === principal.sub || pack.mentor_id === principal.sub)) throw notFound('Pack', { pack_id: packId });
  return pack;
}

export async function getPack(deps: PackDeps, principal: Principal, packId: string) {
  const pack = await packRow(deps, principal, packId);
  const { rows: scheduled } = await deps.pool.query(`SELECT id, scheduled_at, status FROM pack_sessions WHERE pack_id = $1 AND status = 'scheduled' ORDER BY scheduled_at`, [pack.id]);
  return {
    id: pack.id,
    student_id: pack.student_id,
    mentor_id: pack.mentor_id,
    status: pack.status,
    total_sessions: pack.total_sessions,
    remaining_sessions: pack.remaining_sessions,
    completed_sessions: pack.completed_sessions,
    seat_status: pack.seat_status,
    grace_ends_at: pack.grace_ends_at,
    renewed_by: pack.renewed_by,
    seat_moved_to: pack.seat_status === 'moved' ? pack.renewed_by : null,
    scheduled_sessions: scheduled,
  };
}

export async function schedulePackSession(deps: PackDeps, principal: Principal, packId: string, scheduledAt: string) {
  const pack = await packRow(deps, principal, packId);
  const id = randomUUID();
  // As a Date: PostgreSQL refuses offsets past ±15:59 that RFC 3339 (and so the schema) allows.
  await deps.pool.query(`INSERT INTO pack_sessions (id, pack_id, scheduled_at, status) VALUES ($1, $2, $3, 'scheduled')`, [id, pack.id, new Date(scheduledAt)]);
  try {
    const state = await deps.gateway.updatePack(pack.id, 'schedule', id);
    if (!state) throw new DomainError('INVALID_TRANSITION', 'The pack is closed', { from: pack.status, to: 'scheduled' });
  } catch (e) {
    await deps.pool.query(`DELETE FROM pack_sessions WHERE id = $1`, [id]);
    throw e;
  }
  return { id, pack_id: pack.id, scheduled_at: new Date(scheduledAt).toISOString(), status: 'scheduled' };
}

async function packSessionRow(deps: PackDeps, principal: Principal, id: string) {
  const { rows } = await deps.pool.query(`SELECT ps.*, p.student_id, p.mentor_id FROM pack_sessions ps JOIN packs p ON p.id = ps.pack_id WHERE ps.id::text = $1`, [id]);
  const row = rows[0];
  if (!row || !(privileged(principal) || row.student_id === principal.sub || row.mentor_id === principal.sub)) throw notFound('Session', { session_id: id });
  return row;
}

/** The mentor (or an admin) marks a pack session done; the pack's workflow counts it once. */
export async function completePackSession(deps: PackDeps, principal: Principal, id: string) {
  const row = await packSessionRow(deps, principal, id);
  if (!privileged(principal) && row.mentor_id !== principal.sub) throw new DomainError('FORBIDDEN', 'Only the mentor or an admin completes a session');
  if (row.status === 'cancelled') throw new DomainError('INVALID_TRANSITION', 'A cancelled session cannot be completed', { from: 'cancelled', to: 'completed' });
  await deps.gateway.updatePack(row.pack_id, 'complete', id);
  return { session_id: id, pack: await getPack(deps, principal, row.pack_id) };
}

/** Cancelling frees the slot (and lets a waiting seat release happen). */
export async function cancelPackSession(deps: PackDeps, principal: Principal, id: string) {
  const row = await packSessionRow(deps, principal, id);
  if (row.status === 'completed') throw new DomainError('INVALID_TRANSITION', 'A completed session cannot be cancelled', { from: 'completed', to: 'cancelled' });
  await deps.pool.query(`UPDATE pack_sessions SET status = 'cancelled' WHERE id = $1 AND status = 'scheduled'`, [row.id]);
  await deps.gateway.updatePack(row.pack_id, 'cancel', row.id);
  return { session_id: row.id, status: 'cancelled' };
}

export async function myPacks(deps: PackDeps, principal: Principal) {
  const { rows } = await deps.pool.query(`SELECT id FROM packs WHERE student_id = $1 ORDER BY created_at DESC`, [principal.sub]);
  return { packs: await Promise.all(rows.map((r) => getPack(deps, principal, r.id))) };
}

export async function mentorSeats(deps: PackDeps, principal: Principal, mentorId: string) {
  if (!privileged(principal) && principal.sub !== mentorId) throw notFound('Mentor', { mentor_id: mentorId });
  const { rows: mentor } = await deps.pool.query(`SELECT seat_capacity FROM mentors WHERE id = $1`, [mentorId]);
  if (!mentor[0]) throw notFound('Mentor', { mentor_id: mentorId });
  const { rows } = await deps.pool.query(
    `SELECT id AS pack_id, student_id, status, seat_status, grace_ends_at FROM packs WHERE mentor_id = $1 AND seat_status <> 'released' AND status <> 'renewed' ORDER BY created_at`,
    [mentorId],
  );
  return { mentor_id: mentorId, seat_capacity: mentor[0].seat_capacity, seats_taken: rows.length, seats: rows };
}

export async function setMentorCapacity(pool: Pool, mentorId: string, capacity: number) {
  await pool.query(`INSERT INTO mentors (id, seat_capacity) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seat_capacity = EXCLUDED.seat_capacity`, [mentorId, capacity]);
  return { mentor_id: mentorId, seat_capacity: capacity };
}

/** The pack id a payment creates: the same payment always names the same pack (redelivery creates nothing new). */
export function packIdForPayment(paymentId: string): string {
  const h = createHash('sha256').update(`pack:${paymentId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Seat check before payment: a student may buy a pack only when the mentor has a seat (or they renew theirs). */
export async function packCheckout(deps: PackDeps & { billing: import('../adapters/billing-client').BillingClient }, principal: Principal, mentorId: string, sessions: number, idempotencyKey?: string) {
  const { rows: mentor } = await deps.pool.query(`SELECT seat_capacity FROM mentors WHERE id = $1`, [mentorId]);
  if (!mentor[0]) throw notFound('Mentor', { mentor_id: mentorId });
  const { rows: holding } = await deps.pool.query(`SELECT 1 FROM packs WHERE student_id = $1 AND mentor_id = $2 AND seat_status <> 'released' AND status <> 'renewed'`, [principal.sub, mentorId]);
  const taken = (await deps.pool.query(SEATS_TAKEN, [mentorId])).rows[0].n as number;
  if (!holding[0] && taken >= mentor[0].seat_capacity) {
    throw new DomainError('NO_SEAT_AVAILABLE', 'This mentor has no free seat', { mentor_id: mentorId, seat_capacity: mentor[0].seat_capacity, seats_taken: taken });
  }
  return deps.billing.packCheckout(principal.sub, mentorId, sessions, idempotencyKey);
}
