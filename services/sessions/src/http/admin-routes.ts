import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth, subjectId } from '@hourglass/auth';
import { identifier, label, route, text } from '@hourglass/http';
import * as admin from '../use-cases/admin';
import type { PackDeps } from '../use-cases/packs';
import type { Deps } from '../use-cases/sessions';
import { auditTrail, endedSession, sessionIdParam, sessionView, userOverview } from './schemas';

export const adminReasonBody = z.object({ reason: text(500, { multiline: true }).trim().min(3) });
export const adminExtendBody = adminReasonBody.extend({ minutes: z.number().int().positive().max(240) });
const tags = ['admin'];
const roles = ['admin'];
const userIdParam = z.object({ id: subjectId });
const auditQuery = z.object({ target_type: label(32).optional(), target_id: identifier(128).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Support's view of a user in the sessions service, and audited operator actions on sessions. Admins only. */
export function sessionAdminRoutes(deps: Deps & PackDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin']));

  route(router, 'get', '/users/:id/overview', { summary: 'A user as support sees them here: sessions (owner or participant), gate, packs', tags, roles, params: userIdParam, responses: { 200: { description: 'overview', schema: userOverview } }, errors: ['UNAVAILABLE'] }, async (req, res, { params }) => {
    res.json(await admin.userOverview(deps, principalOf(req), params.id));
  });
  route(router, 'post', '/sessions/:id/end', { summary: 'End a session (audited with the reason)', tags, roles, params: sessionIdParam, body: adminReasonBody, responses: { 200: { description: 'ended (or already over)', schema: endedSession } }, errors: ['NOT_FOUND', 'UNAVAILABLE'] }, async (req, res, { params, body }) => {
    res.json(await admin.adminEndSession(deps, principalOf(req), params.id, body.reason));
  });
  route(router, 'post', '/sessions/:id/extend', { summary: 'Extend an active session for free (audited; once per action)', tags, roles, params: sessionIdParam, body: adminExtendBody, responses: { 200: { description: 'the session', schema: sessionView } }, errors: ['NOT_FOUND', 'INVALID_TRANSITION'] }, async (req, res, { params, body }) => {
    res.json(await admin.adminExtendSession(deps, principalOf(req), params.id, body.minutes, body.reason));
  });
  route(router, 'get', '/audit', { summary: 'Operator actions, newest first', tags, roles, query: auditQuery, responses: { 200: { description: 'actions', schema: auditTrail } } }, async (_req, res, { query: q }) => {
    res.json(await admin.auditTrail(deps.pool, { type: q.target_type, id: q.target_id }, q.limit));
  });
  return router;
}
