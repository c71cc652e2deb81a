import { randomUUID } from 'node:crypto';
import type { PoolClient, Queryable } from '@hourglass/postgres';
import type { NotificationRequest } from '../domain/intake';

/** Stores a request once per dedupe key; returns whether this call stored it. */
export async function storeRequest(tx: PoolClient, r: NotificationRequest, source: { eventId: string; topic: string }, settled?: { status: 'cancelled'; reason: string }): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO notifications (id, user_id, template_id, data, dedupe_key, status, not_before, source_event_id, source_topic, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING`,
    [randomUUID(), r.userId, r.templateId, r.data, r.dedupeKey, settled?.status ?? 'pending', r.notBefore, source.eventId, source.topic, settled?.reason ?? null],
  );
  return rowCount === 1;
}

export async function addParticipants(tx: PoolClient, sessionId: string, userIds: string[]): Promise<void> {
  for (const userId of userIds) await tx.query(`INSERT INTO session_participants (session_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [sessionId, userId]);
}

export async function participantsOf(db: Queryable, sessionId: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT user_id FROM session_participants WHERE session_id = $1 ORDER BY user_id`, [sessionId]);
  return rows.map((r) => r.user_id as string);
}

/** The latest address a payment named for the user (preferences, when set, come first at delivery). */
export async function rememberContact(tx: PoolClient, c: { userId: string; email: string; source: string }): Promise<void> {
  await tx.query(
    `INSERT INTO contacts (user_id, email, source) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, source = EXCLUDED.source, updated_at = now()`,
    [c.userId, c.email, c.source],
  );
}

export interface NotificationFilter {
  user?: string;
  status?: string;
  template?: string;
  /** The event that asked for it (its Kafka event id). */
  event_id?: string;
  /** Its business key: the dedupe key it is stored under. */
  dedupe_key?: string;
  limit: number;
  after?: { at: string; id: string } | null;
}

/** Newest first, keyset-paged (rows with `cursor_at`; LIMIT limit + 1 tells whether there is more). */
export async function listNotifications(db: Queryable, f: NotificationFilter) {
  const { rows } = await db.query(
    `SELECT id, user_id, template_id, channel, channels_done, status, attempts, dedupe_key, source_event_id, source_topic, not_before, last_error,
            created_at, delivered_at, created_at::text AS cursor_at
     FROM notifications
     WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR template_id = $3)
       AND ($4::uuid IS NULL OR source_event_id = $4) AND ($5::text IS NULL OR dedupe_key = $5)
       AND ($6::timestamptz IS NULL OR (created_at, id) < ($6::timestamptz, $7::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $8`,
    [f.user ?? null, f.status ?? null, f.template ?? null, f.event_id ?? null, f.dedupe_key ?? null, f.after?.at ?? null, f.after?.id ?? null, f.limit + 1],
  );
  return rows as Array<{ id: string; cursor_at: string } & Record<string, unknown>>;
}
