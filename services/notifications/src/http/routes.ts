import { Router } from 'express';
import { z } from 'zod';
import { requireAuth, subjectId } from '@hourglass/auth';
import { cursorQuery, decodeCursor, label, pageOf, route, text } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { listNotifications } from '../adapters/notification-repository';

export const notificationQuery = z.object({
  user: subjectId.optional(),
  status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead', 'skipped']).optional(),
  template: label(64).optional(),
  event_id: z.uuid().optional().describe('the event that asked for it (source_event_id)'),
  dedupe_key: text(300).optional().describe('its business key, e.g. session_started:<session id>, payment_received:<grant id>, pack:<pack id>:<template>'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuery,
});

const notification = z.object({
  id: z.string(),
  user_id: z.string(),
  template_id: z.string(),
  channel: z.string().nullable().describe('the channels it reached, comma-separated (or the last one tried)'),
  channels_done: z.array(z.string()),
  status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead', 'skipped']),
  attempts: z.number().int(),
  dedupe_key: z.string(),
  source_event_id: z.string().nullable(),
  source_topic: z.string().nullable(),
  not_before: z.string().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
});

/** Operators (and internal services) read the delivery log. */
export function adminRoutes(pool: Pool, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  route(router, 'get', '/notifications', { summary: 'The delivery log, newest first: by user, status, template, source event id and dedupe key; paged', tags: ['notifications'], roles: ['admin', 'service'], query: notificationQuery, responses: { 200: { description: 'notifications; next_cursor while there are more', schema: z.object({ items: z.array(notification), next_cursor: z.string().nullable() }) } }, errors: ['VALIDATION_FAILED'] }, async (_req, res, { query }) => {
    const rows = await listNotifications(pool, { ...query, after: decodeCursor(query.cursor) });
    res.json(pageOf(rows as Array<{ id: string; cursor_at: string }>, query.limit));
  });
  return router;
}
