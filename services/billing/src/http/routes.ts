import { Router } from 'express';
import { z } from 'zod';
import { isPrivileged, principalOf, requireAuth, subjectId } from '@hourglass/auth';
import { dateTimeWithin, days, route, text } from '@hourglass/http';
import * as repo from '../adapters/repository';
import type { Plan } from '../domain/rules';
import * as ledger from '../use-cases/ledger';

const userIdQuery = z.object({ user_id: subjectId.optional() });
// Minutes may be fractional (0.05 = 3 s): useful for demos and real-time tests; lengths are shown rounded up. At
// least a second: a shorter session would expire as it starts, which the sessions table refuses (found by Schemathesis:
// a plan of 5e-324 minutes left every start of its users retrying that insert for ever).
const minutes = z.number().min(1 / 60).max(24 * 60);
const minutesBySession = z.object({ freemium: minutes, paid: minutes, test: minutes, pack: minutes });
export const planBody = z.object({
  name: text(100),
  mode: z.enum(['standard', 'pay_per_session']),
  max_sessions_per_period: z.number().int().positive().max(1_000_000).nullable(),
  max_minutes_per_period: z.number().int().positive().max(100_000_000).nullable(),
  session_minutes: minutesBySession,
  cooldown_minutes: z.number().min(0).max(24 * 60),
  max_upload_mb: z.number().int().positive().max(1024),
  signup_free_credits: z.number().int().min(0).max(100),
  period_months: z.number().int().positive().max(12).default(1),
  session_price_cents: z.number().int().positive().max(100_000_000).nullable().default(null),
});
export const grantBody = z.object({
  kind: z.enum(['free', 'paid', 'test', 'pack']),
  quantity: z.number().int().positive().max(1000),
  reason: text(500, { multiline: true }),
  /** Makes the grant idempotent: the same reference never grants twice. */
  reference: text(200).optional(),
  expires_at: dateTimeWithin({ notBeforeMs: 0, notAfterMs: days(10 * 366), what: 'expires_at' }).optional(),
});
export const revokeBody = z.object({
  kind: z.enum(['free', 'paid', 'test', 'pack']).optional(),
  quantity: z.number().int().positive().max(1000),
  reason: text(500, { multiline: true }),
});
const planIdParam = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'plan ids are lower-case letters, digits, _ and -');

const userIdParam = z.object({ id: subjectId });
const credits = z.object({ user_id: z.string(), free_remaining: z.number().int(), paid_remaining: z.number().int(), total_available: z.number().int(), pack_remaining: z.number().int() });
const planView = planBody.extend({ id: z.string(), period_months: z.number().int(), session_price_cents: z.number().int().nullable() });
const roles = ['admin'];
const usage = z.object({
  user_id: z.string(),
  plan: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  sessions_used: z.number().int(),
  minutes_used: z.number().int(),
  limits: z.object({ max_sessions_per_period: z.number().int().nullable(), max_minutes_per_period: z.number().int().nullable(), max_upload_mb: z.number().int(), cooldown_minutes: z.number(), session_minutes: z.record(z.string(), z.number()) }),
});
const ledgerEntry = z.object({
  id: z.string(),
  grant_id: z.string(),
  kind: z.enum(['free', 'paid', 'test', 'pack']),
  delta: z.number().int(),
  reason: z.enum(['grant', 'consume', 'refund', 'expire', 'revoke']),
  idempotency_key: z.string().nullable(),
  session_id: z.string().nullable(),
  actor: z.string(),
  note: z.string().nullable(),
  created_at: z.string(),
});

const planJson = (p: Plan) => ({
  id: p.id,
  name: p.name,
  mode: p.mode,
  max_sessions_per_period: p.maxSessionsPerPeriod,
  max_minutes_per_period: p.maxMinutesPerPeriod,
  session_minutes: p.sessionMinutes,
  cooldown_minutes: p.cooldownMinutes,
  max_upload_mb: p.maxUploadMb,
  signup_free_credits: p.signupFreeCredits,
  period_months: p.periodMonths,
  session_price_cents: p.sessionPriceCents,
});

/** Users read their own credits and usage; admins and services may name any user. */
export function billingRoutes(deps: ledger.LedgerDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  const subjectOf = (req: import('express').Request, { user_id }: z.output<typeof userIdQuery>) => {
    const p = principalOf(req);
    return user_id && isPrivileged(p) ? user_id : p.sub;
  };
  route(router, 'get', '/users/credits', { summary: 'Credit balances (a new user gets the plan’s free credits on first sight)', tags: ['credits'], query: userIdQuery, responses: { 200: { description: 'balances', schema: credits } } }, async (req, res, { query }) => {
    const s = await ledger.creditSummary(deps, subjectOf(req, query));
    res.json({ user_id: s.user_id, free_remaining: s.free_remaining, paid_remaining: s.paid_remaining, total_available: s.total_available, pack_remaining: s.pack_remaining });
  });
  route(router, 'get', '/users/me/usage', { summary: 'Plan, current billing period and usage within it (never earlier periods)', tags: ['credits'], query: userIdQuery, responses: { 200: { description: 'usage', schema: usage } } }, async (req, res, { query }) => {
    res.json(await ledger.usageSummary(deps, subjectOf(req, query)));
  });
  return router;
}

const grantLinks = {
  ledger: { to: ['get', '/admin/users/:id/ledger'], parameters: { id: '$request.path.id' } },
  revoke: { to: ['post', '/admin/users/:id/credits/revoke'], parameters: { id: '$request.path.id' } },
  credits: { to: ['get', '/api/users/credits'], parameters: { user_id: '$request.path.id' } },
} as const;

export function billingAdminRoutes(deps: ledger.LedgerDeps, jwtSecret: string): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret, ['admin']));
  route(router, 'get', '/plans', { summary: 'Every plan', tags: ['plans'], roles, responses: { 200: { description: 'plans', schema: z.object({ plans: z.array(planView) }) } } }, async (_req, res) => {
    res.json({ plans: (await repo.listPlans(deps.pool)).map(planJson) });
  });
  route(router, 'put', '/plans/:id', { summary: 'Create or replace a plan', tags: ['plans'], roles, params: z.object({ id: planIdParam }), body: planBody, responses: { 200: { description: 'the plan', schema: planView } } }, async (_req, res, { params, body: b }) => {
    const plan = await repo.upsertPlan(deps.pool, {
      id: params.id,
      name: b.name,
      mode: b.mode,
      maxSessionsPerPeriod: b.max_sessions_per_period,
      maxMinutesPerPeriod: b.max_minutes_per_period,
      sessionMinutes: b.session_minutes,
      cooldownMinutes: b.cooldown_minutes,
      maxUploadMb: b.max_upload_mb,
      signupFreeCredits: b.signup_free_credits,
      periodMonths: b.period_months,
      sessionPriceCents: b.session_price_cents,
    });
    res.json(planJson(plan));
  });
  route(router, 'put', '/users/:id/plan', { summary: 'Move a user to a plan', tags: ['plans'], roles, params: userIdParam, body: z.object({ plan: planIdParam }), responses: { 200: { description: 'the assignment', schema: z.object({ user_id: z.string(), plan: z.string() }) } }, errors: ['NOT_FOUND'] }, async (_req, res, { params, body }) => {
    res.json(await ledger.setUserPlan(deps, params.id, body.plan));
  });
  route(router, 'post', '/users/:id/credits', { summary: 'Grant credits (ledger: the admin and the reason; `reference` makes it idempotent)', tags: ['credits'], roles, params: userIdParam, body: grantBody, responses: { 201: { description: 'granted', schema: z.object({ grant_id: z.string(), created: z.boolean(), credits }), links: grantLinks }, 200: { description: 'already granted under this reference', schema: z.object({ grant_id: z.string(), created: z.boolean(), credits }) } } }, async (req, res, { params, body: b }) => {
    const actor = principalOf(req).sub;
    const result = await ledger.grantCredits(deps, {
      userId: params.id,
      kind: b.kind,
      quantity: b.quantity,
      source: 'admin',
      sourceRef: b.reference ?? `${actor}:${req.id}`,
      actor,
      note: b.reason,
      expiresAt: b.expires_at ? new Date(b.expires_at) : null,
    });
    res.status(result.created ? 201 : 200).json({ grant_id: result.grantId, created: result.created, credits: await ledger.creditSummary(deps, params.id) });
  });
  route(router, 'post', '/users/:id/credits/revoke', { summary: 'Revoke unused credits (ledger: the admin and the reason)', tags: ['credits'], roles, params: userIdParam, body: revokeBody, responses: { 200: { description: 'balances after', schema: credits.extend({ revoked: z.number().int() }) } }, errors: ['CONFLICT'] }, async (req, res, { params, body: b }) => {
    res.json(await ledger.revokeCredits(deps, { userId: params.id, kind: b.kind, quantity: b.quantity, reason: b.reason, actor: principalOf(req).sub }));
  });
  route(router, 'get', '/users/:id/ledger', { summary: 'Every credit move of a user, with actor and reason', tags: ['credits'], roles, params: userIdParam, responses: { 200: { description: 'ledger, newest first (at most 200 entries)', schema: z.object({ user_id: z.string(), entries: z.array(ledgerEntry) }) } }, errors: ['NOT_FOUND'] }, async (_req, res, { params }) => {
    res.json(await ledger.ledgerHistory(deps, params.id));
  });
  return router;
}
