import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { parseInput, route } from '@hourglass/http';
import { checkoutAnswer, idempotencyKeyHeader } from './schemas';
import type { BillingClient } from '../adapters/billing-client';
import * as packs from '../use-cases/packs';

export const createPackBody = z.object({ student_id: z.string().min(1).max(128), mentor_id: z.string().min(1).max(128), sessions: z.number().int().positive().max(52).default(4) });
export const scheduleBody = z.object({ scheduled_at: z.iso.datetime({ offset: true }) });
export const mentorBody = z.object({ seat_capacity: z.number().int().min(0).max(1000) });

const tags = ['packs'];
const idParam = z.object({ id: z.string().min(1).max(128) });

export const packCheckoutBody = z.object({ mentor_id: z.string().min(1).max(128), sessions: z.number().int().positive().max(52).default(4) });

export function packRoutes(deps: packs.PackDeps & { billing: BillingClient }, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  route(router, 'post', '/packs/checkout', { summary: 'Buy a pack: a Stripe Checkout, refused before payment when the mentor has no free seat', tags, body: packCheckoutBody, headers: idempotencyKeyHeader, responses: { 201: { description: 'checkout created', schema: checkoutAnswer } }, errors: ['NO_SEAT_AVAILABLE', 'NOT_FOUND', 'UNAVAILABLE'] }, async (req, res) => {
    const b = parseInput(packCheckoutBody, req.body ?? {});
    const key = parseInput(z.string().min(1).max(255).optional(), req.header('idempotency-key'), 'Idempotency-Key header');
    res.status(201).json(await packs.packCheckout(deps, principalOf(req), b.mentor_id, b.sessions, key));
  });
  route(router, 'get', '/packs/:id', { summary: 'A pack: sessions left, seat, grace, scheduled sessions (student, mentor, admin)', tags, params: idParam, responses: { 200: { description: 'the pack' } }, errors: ['NOT_FOUND'] }, async (req, res) => {
    res.json(await packs.getPack(deps, principalOf(req), String(req.params.id)));
  });
  route(router, 'post', '/packs/:id/sessions', { summary: 'Schedule a session of the pack', tags, params: idParam, body: scheduleBody, responses: { 201: { description: 'scheduled' } }, errors: ['NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT'] }, async (req, res) => {
    const { scheduled_at } = parseInput(scheduleBody, req.body ?? {});
    res.status(201).json(await packs.schedulePackSession(deps, principalOf(req), String(req.params.id), scheduled_at));
  });
  route(router, 'delete', '/pack-sessions/:id', { summary: 'Cancel a scheduled pack session (frees the slot)', tags, params: idParam, responses: { 200: { description: 'cancelled' } }, errors: ['NOT_FOUND', 'INVALID_TRANSITION'] }, async (req, res) => {
    res.json(await packs.cancelPackSession(deps, principalOf(req), String(req.params.id)));
  });
  route(router, 'post', '/sessions/:id/complete', { summary: 'Mentor or admin: the pack counts this session, once', tags, params: idParam, responses: { 200: { description: 'the pack after the completion' } }, errors: ['NOT_FOUND', 'INVALID_TRANSITION'] }, async (req, res) => {
    res.json(await packs.completePackSession(deps, principalOf(req), String(req.params.id)));
  });
  route(router, 'get', '/users/me/packs', { summary: 'The caller’s packs', tags, responses: { 200: { description: 'packs', schema: z.looseObject({ packs: z.array(z.looseObject({ id: z.string() })) }) } } }, async (req, res) => {
    res.json(await packs.myPacks(deps, principalOf(req)));
  });
  route(router, 'get', '/mentors/:id/seats', { summary: 'A mentor’s seats and occupancy (the mentor or an admin)', tags, params: idParam, responses: { 200: { description: 'seats' } }, errors: ['NOT_FOUND'] }, async (req, res) => {
    res.json(await packs.mentorSeats(deps, principalOf(req), String(req.params.id)));
  });
  return router;
}

export function packAdminRoutes(deps: packs.PackDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  route(router, 'post', '/packs', { summary: 'Admin: create a pack (a renewal when the student already holds a seat with that mentor)', tags, roles: ['admin', 'service'], body: createPackBody, responses: { 201: { description: 'created' } }, errors: ['NO_SEAT_AVAILABLE'] }, async (req, res) => {
    const b = parseInput(createPackBody, req.body ?? {});
    res.status(201).json(await packs.createPack(deps, { studentId: b.student_id, mentorId: b.mentor_id, sessions: b.sessions }));
  });
  route(router, 'put', '/mentors/:id', { summary: 'Admin: a mentor’s seat capacity', tags, roles: ['admin', 'service'], params: idParam, body: mentorBody, responses: { 200: { description: 'the mentor', schema: z.object({ mentor_id: z.string(), seat_capacity: z.number() }) } } }, async (req, res) => {
    res.json(await packs.setMentorCapacity(deps.pool, String(req.params.id), parseInput(mentorBody, req.body ?? {}).seat_capacity));
  });
  return router;
}
