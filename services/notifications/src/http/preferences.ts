import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { parseInput, route } from '@hourglass/http';
import type { Pool } from '@hourglass/postgres';
import { isAllowedWebhook } from '../channels/discord';
import { retryNotification } from '../use-cases/dispatch';

const channel = z.enum(['discord', 'email']);
export const preferencesBody = z.object({
  email: z.email().nullable().optional(),
  discord_webhook_url: z.url().nullable().optional(),
  channels: z.object({ sessions: z.array(channel), payments: z.array(channel), packs: z.array(channel) }).partial().optional(),
  quiet: z.boolean().optional(),
});

export function preferenceRoutes(pool: Pool, jwtSecret: string, allowLocalDiscord: boolean): Router {
  const router = Router();
  router.use(requireAuth(jwtSecret));
  const read = async (userId: string) => {
    const { rows } = await pool.query(`SELECT email, discord_webhook_url, discord_dead, channels, quiet, updated_at FROM preferences WHERE user_id = $1`, [userId]);
    return { user_id: userId, ...(rows[0] ?? { email: null, discord_webhook_url: null, discord_dead: false, channels: {}, quiet: false }) };
  };
  route(router, 'get', '/users/me/notification-preferences', { summary: 'Where and what the caller is told', tags: ['preferences'], responses: { 200: { description: 'preferences' } } }, async (req, res) => {
    res.json(await read(principalOf(req).sub));
  });
  route(router, 'put', '/users/me/notification-preferences', { summary: 'Set channels per category, Discord webhook, email, quiet (payments always go by email)', tags: ['preferences'], body: preferencesBody, responses: { 200: { description: 'preferences' } } }, async (req, res) => {
    const b = parseInput(preferencesBody, req.body ?? {});
    if (b.discord_webhook_url && !isAllowedWebhook(b.discord_webhook_url, { allowLocal: allowLocalDiscord })) {
      throw new DomainError('VALIDATION_FAILED', 'Only Discord webhook URLs are accepted', { issues: [{ path: 'discord_webhook_url', message: 'must be https://discord.com/api/webhooks/…' }] });
    }
    const userId = principalOf(req).sub;
    const current = await read(userId);
    const next = { ...current, ...b, channels: { ...(current.channels ?? {}), ...(b.channels ?? {}) } };
    // A new webhook URL is a fresh start for the Discord channel.
    const discordDead = b.discord_webhook_url !== undefined && b.discord_webhook_url !== current.discord_webhook_url ? false : current.discord_dead;
    await pool.query(
      `INSERT INTO preferences (user_id, email, discord_webhook_url, discord_dead, channels, quiet, updated_at) VALUES ($1,$2,$3,$4,$5,$6, now())
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, discord_webhook_url = EXCLUDED.discord_webhook_url, discord_dead = EXCLUDED.discord_dead,
         channels = EXCLUDED.channels, quiet = EXCLUDED.quiet, updated_at = now()`,
      [userId, next.email ?? null, next.discord_webhook_url ?? null, discordDead, next.channels, next.quiet ?? false],
    );
    res.json(await read(userId));
  });
  return router;
}

const notificationId = z.uuid();

export function notificationAdminActions(pool: Pool, jwtSecret: string, kick: () => void): Router {
  const router = Router();
  // Per route, not router.use: other /admin routers after this one admit other roles.
  const adminOnly = requireAuth(jwtSecret, ['admin']);
  route(router, 'post', '/notifications/:id/retry', { summary: 'A dead or skipped notification back in line', tags: ['notifications'], roles: ['admin'], params: z.object({ id: notificationId }), responses: { 202: { description: 'queued' } }, errors: ['NOT_FOUND', 'CONFLICT'] }, adminOnly, async (req, res) => {
    const id = parseInput(notificationId, req.params.id, 'notification id');
    if (!(await retryNotification(pool, id))) throw new DomainError('CONFLICT', 'Only a dead or skipped notification can be retried', { id });
    kick();
    res.status(202).json({ id, status: 'pending' });
  });
  route(router, 'get', '/notifications/:id/attempts', { summary: 'Every delivery attempt: channel, outcome, provider response code', tags: ['notifications'], roles: ['admin'], params: z.object({ id: notificationId }), responses: { 200: { description: 'attempts' } }, errors: ['NOT_FOUND'] }, adminOnly, async (req, res) => {
    const id = parseInput(notificationId, req.params.id, 'notification id');
    const { rows } = await pool.query(`SELECT channel, status, response_code, error, attempt, attempted_at FROM delivery_attempts WHERE notification_id = $1 ORDER BY id`, [id]);
    res.json({ id, attempts: rows });
  });
  return router;
}
