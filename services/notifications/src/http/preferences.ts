import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { webhookUrlPattern } from '../channels/discord';
import { isLocale, isTimeZone } from '../domain/words';
import { retryNotification } from '../use-cases/dispatch';

const channel = z.enum(['discord', 'email']);
export const preferencesBody = (allowLocalDiscord: boolean) => z.object({
  email: z.email().nullable().optional(),
  discord_webhook_url: z.string().regex(webhookUrlPattern({ allowLocal: allowLocalDiscord }), 'must be https://discord.com/api/webhooks/…').nullable().optional(),
  channels: z.object({ sessions: z.array(channel), payments: z.array(channel), packs: z.array(channel) }).partial().optional(),
  quiet: z.boolean().optional(),
  time_zone: z.string().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Paris').nullable().optional().describe('times in messages are written in it (default UTC)'),
  locale: z.string().min(2).max(35).refine(isLocale, 'must be a BCP 47 locale, e.g. en-GB').nullable().optional().describe('dates, times and money in messages are written its way (default en-US)'),
});

const preferences = z.object({
  user_id: z.string(),
  email: z.string().nullable(),
  discord_webhook_url: z.string().nullable(),
  discord_dead: z.boolean().describe('Discord answered 404: the webhook is gone until a new URL is set'),
  discord_dead_at: z.string().nullable().describe('when Discord said the webhook is gone'),
  discord_status: z.enum(['ok', 'dead', 'not_set']).describe('dead: messages meant for Discord go by email until a new webhook URL is set'),
  channels: z.record(z.string(), z.array(z.string())),
  quiet: z.boolean(),
  time_zone: z.string().nullable(),
  locale: z.string().nullable(),
  updated_at: z.string().optional().describe('absent until the caller first sets preferences'),
});

export function preferenceRoutes(pool: Pool, jwtSecret: string, allowLocalDiscord: boolean): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  const read = async (userId: string) => {
    const { rows } = await pool.query(`SELECT email, discord_webhook_url, discord_dead, discord_dead_at, channels, quiet, time_zone, locale, updated_at FROM preferences WHERE user_id = $1`, [userId]);
    const p = rows[0] ?? { email: null, discord_webhook_url: null, discord_dead: false, discord_dead_at: null, channels: {}, quiet: false, time_zone: null, locale: null };
    return { user_id: userId, ...p, discord_status: !p.discord_webhook_url ? 'not_set' : p.discord_dead ? 'dead' : 'ok' };
  };
  route(router, 'get', '/users/me/notification-preferences', { summary: 'Where and what the caller is told', tags: ['preferences'], responses: { 200: { description: 'preferences', schema: preferences } } }, async (req, res) => {
    res.json(await read(principalOf(req).sub));
  });
  route(router, 'put', '/users/me/notification-preferences', { summary: 'Set channels per category (both chosen: both), Discord webhook, email, quiet, time zone and locale (payments always go by email)', tags: ['preferences'], body: preferencesBody(allowLocalDiscord), responses: { 200: { description: 'preferences', schema: preferences } } }, async (req, res, { body: b }) => {
    const userId = principalOf(req).sub;
    const current = await read(userId);
    const next = { ...current, ...b, channels: { ...(current.channels ?? {}), ...(b.channels ?? {}) } };
    // A new webhook URL is a fresh start for the Discord channel.
    const fresh = b.discord_webhook_url !== undefined && b.discord_webhook_url !== current.discord_webhook_url;
    await pool.query(
      `INSERT INTO preferences (user_id, email, discord_webhook_url, discord_dead, discord_dead_at, channels, quiet, time_zone, locale, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, now())
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, discord_webhook_url = EXCLUDED.discord_webhook_url, discord_dead = EXCLUDED.discord_dead,
         discord_dead_at = EXCLUDED.discord_dead_at, channels = EXCLUDED.channels, quiet = EXCLUDED.quiet, time_zone = EXCLUDED.time_zone, locale = EXCLUDED.locale, updated_at = now()`,
      [userId, next.email ?? null, next.discord_webhook_url ?? null, fresh ? false : current.discord_dead, fresh ? null : current.discord_dead_at, next.channels, next.quiet ?? false, next.time_zone ?? null, next.locale ?? null],
    );
    res.json(await read(userId));
  });
  return router;
}

const notificationId = z.object({ id: z.uuid() });

const deliveryAttempt = z.object({ channel: z.string(), status: z.string(), response_code: z.string().nullable(), error: z.string().nullable(), attempt: z.number().int().nullable(), attempted_at: z.string() });

export function notificationAdminActions(pool: Pool, jwtSecret: string, kick: () => void): Router {
  const router = Router();
  // Per route, not router.use: other /admin routers after this one admit other roles.
  const adminOnly = requireAuth(jwtSecret, ['admin']);
  route(router, 'post', '/notifications/:id/retry', { summary: 'A dead or skipped notification back in line', tags: ['notifications'], roles: ['admin'], params: notificationId, responses: { 202: { description: 'queued', schema: z.object({ id: z.string(), status: z.literal('pending') }) } }, errors: ['NOT_FOUND', 'CONFLICT'], use: [adminOnly] }, async (_req, res, { params: { id } }) => {
    if (!(await retryNotification(pool, id))) throw new DomainError('CONFLICT', 'Only a dead or skipped notification can be retried', { id });
    kick();
    res.status(202).json({ id, status: 'pending' });
  });
  route(router, 'get', '/notifications/:id/attempts', { summary: 'Every delivery attempt: channel, outcome, provider response code', tags: ['notifications'], roles: ['admin'], params: notificationId, responses: { 200: { description: 'attempts, oldest first', schema: z.object({ id: z.string(), attempts: z.array(deliveryAttempt) }) } }, errors: ['NOT_FOUND'], use: [adminOnly] }, async (_req, res, { params: { id } }) => {
    const { rows } = await pool.query(`SELECT channel, status, response_code, error, attempt, attempted_at FROM delivery_attempts WHERE notification_id = $1 ORDER BY id`, [id]);
    res.json({ id, attempts: rows });
  });
  return router;
}
