import { Router } from 'express';
import { z } from 'zod';
import { requireAuth } from '@hourglass/auth';
import { parseInput } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { listNotifications } from '../adapters/notification-repository';

export const notificationQuery = z.object({
  user: z.string().min(1).max(128).optional(),
  status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead']).optional(),
  template: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Operators (and internal services) read the delivery log. */
export function adminRoutes(pool: Pool, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  router.get('/notifications', async (req, res) => {
    res.json({ items: await listNotifications(pool, parseInput(notificationQuery, req.query, 'query')) });
  });
  return router;
}
