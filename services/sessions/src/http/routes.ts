import { Router } from 'express';
import { z } from 'zod';
import { isPrivileged, principalOf, requireAuth, subjectId } from '@hourglass/auth';
import { label, route } from '@hourglass/http';
import { requestExtension } from '../use-cases/extensions';
import * as sessions from '../use-cases/sessions';
import type { StartLimiter } from './start-limiter';
import { checkoutAnswer, endedSession, gateView, idempotencyKeyHeader, sessionIdParam, sessionView, startedSession } from './schemas';

export const startSessionBody = z.object({
  mode: label(64),
  session_type: z.enum(['freemium', 'paid', 'test', 'pack']).optional(),
  participant_id: subjectId.optional(),
});
export const extendBody = z.object({ minutes: z.number().int().positive().max(240) });
const gateQuery = z.object({ user_id: subjectId.optional().describe('admin or service: the gate of this user (ignored for users)') });
export const autoStartBody = z.object({ enabled: z.boolean().default(true), mode: label(64).optional() });
const tags = ['sessions'];
const operationName = (method: string, path: string) => `${method}${path.replace(/[^a-z]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

export function sessionRoutes(deps: sessions.Deps, limiter: StartLimiter, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));

  route(
    router,
    'post',
    '/sessions',
    {
      summary: 'Start a session',
      description:
        'Decided in one transaction on the user’s gate (one live session, the cooldown), then one credit in burn order within the plan’s limits, then the session’s durable workflow. The same Idempotency-Key answers the same session; sent again while its first request is still being answered, 409 REQUEST_IN_PROGRESS. More than a few starts of one user in flight at once answer 429 with Retry-After.',
      tags,
      body: startSessionBody,
      headers: idempotencyKeyHeader,
      responses: {
        201: {
          description: 'started',
          schema: startedSession,
          links: Object.fromEntries(
            (
              [
                ['get', '/api/sessions/:id'],
                ['post', '/api/sessions/:id/end'],
                ['post', '/api/sessions/:id/extend'],
                ['get', '/api/sessions/:id/files'],
                ['post', '/api/sessions/:id/files'],
                ['get', '/api/sessions/:id/events'],
                ['post', '/admin/sessions/:id/end'],
                ['post', '/admin/sessions/:id/extend'],
              ] as const
            ).map(([method, path]) => [operationName(method, path), { to: [method, path], parameters: { id: '$response.body#/session/id' } }]),
          ),
        },
      },
      errors: ['NO_CREDITS', 'session_limit_exceeded', 'minutes_limit_exceeded', 'COOLDOWN_ACTIVE', 'SESSION_ALREADY_ACTIVE', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'TOO_MANY_REQUESTS', 'UNAVAILABLE'],
    },
    async (req, res, { body, headers }) => {
      const principal = principalOf(req);
      const release = limiter.admit(principal.sub, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      // A caller who hangs up before the session began gets none: nothing may start its clock for nobody.
      let callerGone = false;
      res.once('close', () => {
        if (!res.writableFinished) callerGone = true;
      });
      try {
        res.status(201).json(await sessions.startSessionFor(deps, principal, body, headers['Idempotency-Key'], () => callerGone));
      } finally {
        release();
      }
    },
  );

  route(
    router,
    'get',
    '/sessions/:id',
    { summary: 'A session, with remaining time from server time', tags, params: sessionIdParam, responses: { 200: { description: 'the session', schema: sessionView } }, errors: ['NOT_FOUND'] },
    async (req, res, { params }) => {
      res.json(await sessions.getSession(deps, principalOf(req), params.id));
    },
  );

  route(
    router,
    'post',
    '/sessions/:id/end',
    {
      summary: 'End a session (idempotent: ending again answers the final state)',
      tags,
      params: sessionIdParam,
      responses: { 200: { description: 'ended (or already over)', schema: endedSession } },
      errors: ['NOT_FOUND', 'UNAVAILABLE'],
    },
    async (req, res, { params }) => {
      res.json(await sessions.endSession(deps, principalOf(req), params.id));
    },
  );

  route(
    router,
    'post',
    '/sessions/:id/extend',
    {
      summary: 'Buy more minutes: a Stripe Checkout for an extension of an active session',
      tags,
      params: sessionIdParam,
      body: extendBody,
      headers: idempotencyKeyHeader,
      responses: { 201: { description: 'checkout created; the deadline moves when the payment arrives', schema: checkoutAnswer } },
      errors: ['NOT_FOUND', 'INVALID_TRANSITION', 'UNAVAILABLE'],
    },
    async (req, res, { params, body, headers }) => {
      res.status(201).json(await requestExtension(deps, principalOf(req), params.id, body.minutes, headers['Idempotency-Key']));
    },
  );

  route(
    router,
    'post',
    '/users/me/auto-start',
    { summary: 'Start the next session by itself once the cooldown is over and a credit is there', tags, body: autoStartBody, responses: { 200: { description: 'the gate', schema: gateView } }, errors: ['UNAVAILABLE'] },
    async (req, res, { body }) => {
      res.json(await sessions.setAutoStart(deps, principalOf(req), body));
    },
  );

  route(
    router,
    'get',
    '/users/me/gate',
    {
      summary: 'Whether a session can start now: cooldown, credit, active session, auto-start',
      tags,
      query: gateQuery,
      responses: { 200: { description: 'the gate', schema: gateView } },
      errors: ['UNAVAILABLE'],
    },
    async (req, res, { query }) => {
      // Other services (notifications: "Waiting for cooldown to end") and admins ask about a named user.
      const principal = principalOf(req);
      res.json(await sessions.getGate(deps, query.user_id && isPrivileged(principal) ? { sub: query.user_id, role: principal.role } : principal));
    },
  );

  return router;
}
