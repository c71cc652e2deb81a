import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { parseInput } from '@hourglass/http';
import type { BillingClient } from '../adapters/billing-client';
import * as packs from '../use-cases/packs';

export const createPackBody = z.object({ student_id: z.string().min(1).max(128), mentor_id: z.string().min(1).max(128), sessions: z.number().int().positive().max(52).default(4) });
export const scheduleBody = z.object({ scheduled_at: z.iso.datetime({ offset: true }) });
export const mentorBody = z.object({ seat_capacity: z.number().int().min(0).max(1000) });

export const packCheckoutBody = z.object({ mentor_id: z.string().min(1).max(128), sessions: z.number().int().positive().max(52).default(4) });

export function packRoutes(deps: packs.PackDeps & { billing: BillingClient }, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  router.post('/packs/checkout', async (req, res) => {
    const b = parseInput(packCheckoutBody, req.body ?? {});
    const key = parseInput(z.string().min(1).max(255).optional(), req.header('idempotency-key'), 'Idempotency-Key header');
    res.status(201).json(await packs.packCheckout(deps, principalOf(req), b.mentor_id, b.sessions, key));
  });
  router.get('/packs/:id', async (req, res) => {
    res.json(await packs.getPack(deps, principalOf(req), req.params.id!));
  });
  router.post('/packs/:id/sessions', async (req, res) => {
    const { scheduled_at } = parseInput(scheduleBody, req.body ?? {});
    res.status(201).json(await packs.schedulePackSession(deps, principalOf(req), req.params.id!, scheduled_at));
  });
  router.delete('/pack-sessions/:id', async (req, res) => {
    res.json(await packs.cancelPackSession(deps, principalOf(req), req.params.id!));
  });
  router.post('/sessions/:id/complete', async (req, res) => {
    res.json(await packs.completePackSession(deps, principalOf(req), req.params.id!));
  });
  router.get('/users/me/packs', async (req, res) => {
    res.json(await packs.myPacks(deps, principalOf(req)));
  });
  router.get('/mentors/:id/seats', async (req, res) => {
    res.json(await packs.mentorSeats(deps, principalOf(req), req.params.id!));
  });
  return router;
}

export function packAdminRoutes(deps: packs.PackDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin', 'service']));
  router.post('/packs', async (req, res) => {
    const b = parseInput(createPackBody, req.body ?? {});
    res.status(201).json(await packs.createPack(deps, { studentId: b.student_id, mentorId: b.mentor_id, sessions: b.sessions }));
  });
  router.put('/mentors/:id', async (req, res) => {
    res.json(await packs.setMentorCapacity(deps.pool, req.params.id!, parseInput(mentorBody, req.body ?? {}).seat_capacity));
  });
  return router;
}
