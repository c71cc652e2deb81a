import { Router } from 'express';
import { z } from 'zod';
import { requireAuth } from '@hourglass/auth';
import { route } from '@hourglass/http';
import * as ledger from '../use-cases/ledger';

// Billing's answers to the sessions service on a session's start and end. Service tokens only: no user calls these.
const tags = ['internal'];
const roles = ['service'];
const creditKind = z.enum(['free', 'paid', 'test', 'pack']);

export const consumptionBody = z.object({
  user_id: z.string().min(1).max(128),
  /** The session the credit pays for; also the idempotency key (the same session never takes two credits). */
  session_id: z.uuid(),
  preferred_kind: creditKind.optional(),
});
const consumption = z.object({
  ledger_entry_id: z.string(),
  grant_id: z.string(),
  kind: creditKind,
  session_type: z.enum(['freemium', 'paid', 'test', 'pack']),
  duration_minutes: z.number(),
  cooldown_minutes: z.number(),
  plan: z.string(),
});

export const usageBody = z.object({
  user_id: z.string().min(1).max(128),
  session_id: z.uuid(),
  seconds: z.number().int().min(0).max(10_000_000),
  /** When the session started: its seconds count toward the billing period containing that instant. */
  started_at: z.iso.datetime({ offset: true }),
});

export function internalRoutes(deps: ledger.LedgerDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['service']));

  route(
    router,
    'post',
    '/consumptions',
    {
      summary: 'Take one credit for a session that is starting (plan limits of the current period, then burn order)',
      description: 'Idempotent per session_id: the same session answers the same consumption. A session whose start was abandoned (sessions.session.abandoned.v1) takes nothing: 409 START_ABANDONED.',
      tags,
      roles,
      body: consumptionBody,
      responses: { 200: { description: 'the credit taken, and what the user’s plan gives that session', schema: consumption } },
      errors: ['NO_CREDITS', 'session_limit_exceeded', 'minutes_limit_exceeded', 'START_ABANDONED'],
    },
    async (_req, res, { body }) => {
      const c = await ledger.consumeCredit(deps, { userId: body.user_id, sessionId: body.session_id, preferredKind: body.preferred_kind });
      res.json({ ledger_entry_id: c.ledgerEntryId, grant_id: c.grantId, kind: c.kind, session_type: c.sessionType, duration_minutes: c.durationMinutes, cooldown_minutes: c.cooldownMinutes, plan: c.planId });
    },
  );

  route(
    router,
    'post',
    '/usage',
    {
      summary: 'Record a finished session’s seconds in its billing period (once per session)',
      tags,
      roles,
      body: usageBody,
      responses: { 200: { description: 'recorded (or already recorded)', schema: z.object({ session_id: z.string() }) } },
    },
    async (_req, res, { body }) => {
      await ledger.recordUsage(deps, { userId: body.user_id, sessionId: body.session_id, seconds: body.seconds, startedAt: body.started_at });
      res.json({ session_id: body.session_id });
    },
  );

  return router;
}
