import { Router } from 'express';
import { z } from 'zod';
import { requireAuth } from '@hourglass/auth';
import { parseInput, route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { listNotifications } from '../adapters/notification-repository';

export const notificationQuery = z.object({
  user: z.string().min(1).max(128).optional(),
  status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead', 'skipped']).optional(),
  template: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Operators (and internal services) read the delivery log. */
export function adminRoutes(pool: Pool, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  route(router, 'get', '/notifications', { summary: 'The delivery log, newest first: what was requested, from which event, its delivery state', tags: ['notifications'], roles: ['admin', 'service'], query: notificationQuery, responses: { 200: { description: 'notifications', schema: z.object({ items: z.array(z.looseObject({ id: z.string(), status: z.string() })) }) } } }, async (req, res) => {
    res.json({ items: await listNotifications(pool, parseInput(notificationQuery, req.query, 'query')) });
  });
  return router;
}
