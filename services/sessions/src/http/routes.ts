import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { parseInput } from '@hourglass/http';
import { requestExtension } from '../use-cases/extensions';
import * as sessions from '../use-cases/sessions';

export const startSessionBody = z.object({
  mode: z.string().min(1).max(64),
  session_type: z.enum(['freemium', 'paid', 'test', 'pack']).optional(),
  participant_id: z.string().min(1).max(128).optional(),
});
export const extendBody = z.object({ minutes: z.number().int().positive().max(240) });
export const autoStartBody = z.object({ enabled: z.boolean().default(true), mode: z.string().min(1).max(64).optional() });
const idempotencyKey = z.string().min(1).max(255).optional();

export function sessionRoutes(deps: sessions.Deps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));

  router.post('/sessions', async (req, res) => {
    const body = parseInput(startSessionBody, req.body ?? {});
    const key = parseInput(idempotencyKey, req.header('idempotency-key'), 'Idempotency-Key header');
    res.status(201).json(await sessions.startSession(deps, principalOf(req), body, key));
  });

  router.get('/sessions/:id', async (req, res) => {
    res.json(await sessions.getSession(deps, principalOf(req), req.params.id!));
  });

  router.post('/sessions/:id/end', async (req, res) => {
    res.json(await sessions.endSession(deps, principalOf(req), req.params.id!));
  });

  router.post('/sessions/:id/extend', async (req, res) => {
    const { minutes } = parseInput(extendBody, req.body ?? {});
    const key = parseInput(idempotencyKey, req.header('idempotency-key'), 'Idempotency-Key header');
    res.status(201).json(await requestExtension(deps, principalOf(req), req.params.id!, minutes, key));
  });

  router.post('/users/me/auto-start', async (req, res) => {
    res.json(await sessions.setAutoStart(deps, principalOf(req), parseInput(autoStartBody, req.body ?? {})));
  });

  router.get('/users/me/gate', async (req, res) => {
    res.json(await sessions.getGate(deps, principalOf(req)));
  });

  return router;
}
