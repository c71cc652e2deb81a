import { Router } from 'express';
import { z } from 'zod';
import { requireAuth, subjectId } from '@hourglass/auth';
import { label, route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { listNotifications } from '../adapters/notification-repository';

export const notificationQuery = z.object({
  user: subjectId.optional(),
  status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead', 'skipped']).optional(),
  template: label(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const notification = z.object({
  id: z.string(),
  user_id: z.string(),
  template_id: z.string(),
  channel: z.string().nullable(),
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
  route(router, 'get', '/notifications', { summary: 'The delivery log, newest first: what was requested, from which event, its delivery state', tags: ['notifications'], roles: ['admin', 'service'], query: notificationQuery, responses: { 200: { description: 'notifications', schema: z.object({ items: z.array(notification) }) } } }, async (_req, res, { query }) => {
    res.json({ items: await listNotifications(pool, query) });
  });
  return router;
}
