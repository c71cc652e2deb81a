import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth, subjectId } from '@hourglass/auth';
import { dateTimeWithin, days, identifier, route, type ResponseSpec } from '@hourglass/http';
import { checkoutAnswer, idempotencyKeyHeader, mentorSeatsView, packView } from './schemas';
import type { BillingClient } from '../adapters/billing-client';
import * as packs from '../use-cases/packs';

export const createPackBody = z.object({
  student_id: subjectId,
  mentor_id: subjectId,
  sessions: z.number().int().positive().max(52).default(4),
  /** Optional end date: the pack expires then, its seat released once no scheduled session of it remains. */
  expires_at: dateTimeWithin({ notBeforeMs: 0, notAfterMs: days(5 * 366), what: 'expires_at' }).optional(),
});
// A session is scheduled ahead (a few minutes back are allowed for a clock behind), at most two years out.
export const scheduleBody = z.object({ scheduled_at: dateTimeWithin({ notBeforeMs: 10 * 60_000, notAfterMs: days(2 * 366), what: 'scheduled_at' }) });
export const mentorBody = z.object({ seat_capacity: z.number().int().min(0).max(1000) });

const tags = ['packs'];
const idParam = z.object({ id: identifier(128) });
const mentorIdParam = z.object({ id: subjectId });

export const packCheckoutBody = z.object({ mentor_id: subjectId, sessions: z.number().int().positive().max(52).default(4) });

const packLinks = {
  getPack: { to: ['get', '/api/packs/:id'], parameters: { id: '$response.body#/id' } },
  schedule: { to: ['post', '/api/packs/:id/sessions'], parameters: { id: '$response.body#/id' } },
  seats: { to: ['get', '/api/mentors/:id/seats'], parameters: { id: '$response.body#/mentor_id' } },
} as const satisfies ResponseSpec['links'];
const scheduledLinks = {
  cancel: { to: ['delete', '/api/pack-sessions/:id'], parameters: { id: '$response.body#/id' } },
  complete: { to: ['post', '/api/sessions/:id/complete'], parameters: { id: '$response.body#/id' } },
} as const satisfies ResponseSpec['links'];

export function packRoutes(deps: packs.PackDeps & { billing: BillingClient }, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  route(router, 'post', '/packs/checkout', { summary: 'Buy a pack: a Stripe Checkout, refused before payment when the mentor has no free seat', tags, body: packCheckoutBody, headers: idempotencyKeyHeader, responses: { 201: { description: 'checkout created', schema: checkoutAnswer } }, errors: ['NO_SEAT_AVAILABLE', 'NOT_FOUND', 'UNAVAILABLE'] }, async (req, res, { body, headers }) => {
    res.status(201).json(await packs.packCheckout(deps, principalOf(req), body.mentor_id, body.sessions, headers['Idempotency-Key']));
  });
  route(router, 'get', '/packs/:id', { summary: 'A pack: sessions left, seat, grace, scheduled sessions (student, mentor, admin)', tags, params: idParam, responses: { 200: { description: 'the pack', schema: packView } }, errors: ['NOT_FOUND'] }, async (req, res, { params }) => {
    res.json(await packs.getPack(deps, principalOf(req), params.id));
  });
  route(router, 'post', '/packs/:id/sessions', { summary: 'Schedule a session of the pack', tags, params: idParam, body: scheduleBody, responses: { 201: { description: 'scheduled', schema: z.object({ id: z.string(), pack_id: z.string(), scheduled_at: z.string(), status: z.literal('scheduled') }), links: scheduledLinks } }, errors: ['NOT_FOUND', 'NO_CREDITS', 'INVALID_TRANSITION', 'CONFLICT'] }, async (req, res, { params, body }) => {
    res.status(201).json(await packs.schedulePackSession(deps, principalOf(req), params.id, body.scheduled_at));
  });
  route(router, 'delete', '/pack-sessions/:id', { summary: 'Cancel a scheduled pack session (frees the slot)', tags, params: idParam, responses: { 200: { description: 'cancelled', schema: z.object({ session_id: z.string(), status: z.literal('cancelled') }) } }, errors: ['NOT_FOUND', 'INVALID_TRANSITION'] }, async (req, res, { params }) => {
    res.json(await packs.cancelPackSession(deps, principalOf(req), params.id));
  });
  route(router, 'post', '/sessions/:id/complete', { summary: 'Mentor or admin: the pack counts this session, once', tags, params: idParam, responses: { 200: { description: 'the pack after the completion', schema: z.object({ session_id: z.string(), pack: packView }) } }, errors: ['NOT_FOUND', 'FORBIDDEN', 'INVALID_TRANSITION'] }, async (req, res, { params }) => {
    res.json(await packs.completePackSession(deps, principalOf(req), params.id));
  });
  route(router, 'get', '/users/me/packs', { summary: 'The caller’s packs', tags, responses: { 200: { description: 'packs', schema: z.object({ packs: z.array(packView) }) } } }, async (req, res) => {
    res.json(await packs.myPacks(deps, principalOf(req)));
  });
  route(router, 'get', '/mentors/:id/seats', { summary: 'A mentor’s seats and occupancy (the mentor or an admin)', tags, params: mentorIdParam, responses: { 200: { description: 'seats', schema: mentorSeatsView } }, errors: ['NOT_FOUND'] }, async (req, res, { params }) => {
    res.json(await packs.mentorSeats(deps, principalOf(req), params.id));
  });
  return router;
}

export function packAdminRoutes(deps: packs.PackDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  route(router, 'post', '/packs', { summary: 'Admin: create a pack (a renewal when the student already holds a seat with that mentor)', tags, roles: ['admin', 'service'], body: createPackBody, responses: { 201: { description: 'created', schema: packView, links: packLinks } }, errors: ['NO_SEAT_AVAILABLE', 'UNAVAILABLE'] }, async (_req, res, { body: b }) => {
    res.status(201).json(await packs.createPack(deps, { studentId: b.student_id, mentorId: b.mentor_id, sessions: b.sessions, expiresAt: b.expires_at ? new Date(b.expires_at).toISOString() : undefined }));
  });
  route(router, 'put', '/mentors/:id', { summary: 'Admin: a mentor’s seat capacity', tags, roles: ['admin', 'service'], params: mentorIdParam, body: mentorBody, responses: { 200: { description: 'the mentor', schema: z.object({ mentor_id: z.string(), seat_capacity: z.number() }) } } }, async (_req, res, { params, body }) => {
    res.json(await packs.setMentorCapacity(deps.pool, params.id, body.seat_capacity));
  });
  return router;
}
