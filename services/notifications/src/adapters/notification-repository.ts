import { randomUUID } from 'node:crypto';
import type { PoolClient, Queryable } from '@hourglass/postgres';
import type { NotificationRequest } from '../domain/intake';

/** Stores a request once per dedupe key; returns whether this call stored it. */
export async function storeRequest(tx: PoolClient, r: NotificationRequest, source: { eventId: string; topic: string }): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO notifications (id, user_id, template_id, data, dedupe_key, status, not_before, source_event_id, source_topic)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING`,
    [randomUUID(), r.userId, r.templateId, r.data, r.dedupeKey, r.notBefore, source.eventId, source.topic],
  );
  return rowCount === 1;
}

export interface NotificationFilter {
  user?: string;
  status?: string;
  template?: string;
  limit: number;
}

export async function listNotifications(db: Queryable, f: NotificationFilter) {
  const { rows } = await db.query(
    `SELECT id, user_id, template_id, channel, status, attempts, dedupe_key, source_event_id, source_topic, not_before, last_error,
            created_at, delivered_at
     FROM notifications
     WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR template_id = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [f.user ?? null, f.status ?? null, f.template ?? null, f.limit],
  );
  return rows;
}
