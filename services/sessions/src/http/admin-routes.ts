import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { parseInput } from '@hourglass/http';
import * as admin from '../use-cases/admin';
import type { PackDeps } from '../use-cases/packs';
import type { Deps } from '../use-cases/sessions';

export const adminReasonBody = z.object({ reason: z.string().trim().min(3).max(500) });
export const adminExtendBody = adminReasonBody.extend({ minutes: z.number().int().positive().max(240) });
const auditQuery = z.object({ target_type: z.string().max(32).optional(), target_id: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Support's view of a user in the sessions service, and audited operator actions on sessions. Admins only. */
export function sessionAdminRoutes(deps: Deps & PackDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin']));

  router.get('/users/:id/overview', async (req, res) => {
    res.json(await admin.userOverview(deps, principalOf(req), String(req.params.id)));
  });
  router.post('/sessions/:id/end', async (req, res) => {
    const { reason } = parseInput(adminReasonBody, req.body ?? {});
    res.json(await admin.adminEndSession(deps, principalOf(req), String(req.params.id), reason));
  });
  router.post('/sessions/:id/extend', async (req, res) => {
    const { reason, minutes } = parseInput(adminExtendBody, req.body ?? {});
    res.json(await admin.adminExtendSession(deps, principalOf(req), String(req.params.id), minutes, reason));
  });
  router.get('/audit', async (req, res) => {
    const q = parseInput(auditQuery, req.query, 'query');
    res.json(await admin.auditTrail(deps.pool, { type: q.target_type, id: q.target_id }, q.limit));
  });
  return router;
}
