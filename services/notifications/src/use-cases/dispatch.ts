import type { Pool } from '@hourglass/postgres';
import { sendDiscord, type DiscordConfig } from '../channels/discord';
import type { EmailChannel } from '../channels/email';
import type { SendResult } from '../channels/types';
import { render } from '../domain/templates';
import { deliveryAttempts, notificationsFinished } from '../metrics';

export interface DispatchDeps {
  pool: Pool;
  email: EmailChannel | null;
  discord: DiscordConfig;
  maxAttempts?: number;
  /** A claim older than this is taken to be from a crashed dispatcher and is retried. */
  staleClaimMs?: number;
}

interface Claimed {
  id: string;
  user_id: string;
  template_id: string;
  data: Record<string, string>;
  attempts: number;
  message_id: string | null;
}

interface Prefs {
  email: string | null;
  discord_webhook_url: string | null;
  discord_dead: boolean;
  channels: Record<string, string[]>;
  quiet: boolean;
}

/** Backoff with jitter: 1 s, 2 s, 4 s … capped at 5 min, ±20 %. */
export function backoffMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Delivers due notifications. Each is claimed (status `sending`, attempts + 1) in its own short transaction, sent
 * outside any transaction, then recorded. A crash between "sent" and "recorded" leaves a stale claim that is retried:
 * the email goes again with the same Message-ID (so a receiving system can drop it), Discord may show it twice —
 * Discord webhooks have no idempotency key. Nothing is lost.
 */
export async function dispatchDue(deps: DispatchDeps, limit = 20): Promise<number> {
  const { rows } = await deps.pool.query<Claimed>(
    `UPDATE notifications SET status = 'sending', attempts = attempts + 1, claimed_at = now(), message_id = coalesce(message_id, id::text)
     WHERE id IN (
       SELECT id FROM notifications
       WHERE (status = 'pending' AND coalesce(next_attempt_at, not_before, created_at) <= now())
          OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2::float / 1000))
       ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, user_id, template_id, data, attempts, message_id`,
    [limit, deps.staleClaimMs ?? 60_000],
  );
  await Promise.all(rows.map((n) => deliverOne(deps, n)));
  return rows.length;
}

async function deliverOne(deps: DispatchDeps, n: Claimed): Promise<void> {
  const message = { id: n.message_id ?? n.id, ...render(n.template_id, n.data) };
  const { rows } = await deps.pool.query<Prefs>(`SELECT email, discord_webhook_url, discord_dead, channels, quiet FROM preferences WHERE user_id = $1`, [n.user_id]);
  const prefs = rows[0];
  const wanted = (channel: string) => {
    if (!prefs) return false;
    if (message.transactional) return channel === 'email';
    const list = prefs.channels?.[message.category];
    return !prefs.quiet && (!list || list.includes(channel));
  };
  const useDiscord = wanted('discord') && prefs?.discord_webhook_url && !prefs.discord_dead;
  const useEmail = (wanted('email') || message.transactional) && prefs?.email && deps.email;

  if (!useDiscord && !useEmail) {
    await finish(deps, n, 'skipped', null, prefs ? 'no channel wanted or configured' : 'no preferences: nowhere to send');
    return;
  }
  let result: SendResult | null = null;
  let channel = 'discord';
  if (useDiscord) {
    result = await sendDiscord(prefs!.discord_webhook_url!, message, deps.discord);
    await logAttempt(deps, n, 'discord', result);
    if (result.outcome === 'gone') {
      // The webhook was deleted: never use it again; this message falls back to email.
      await deps.pool.query(`UPDATE preferences SET discord_dead = true WHERE user_id = $1`, [n.user_id]);
      result = null;
    }
  }
  if (!result && prefs?.email && deps.email) {
    channel = 'email';
    result = await deps.email.send(prefs.email, message);
    await logAttempt(deps, n, 'email', result);
  }
  if (!result) {
    await finish(deps, n, 'dead', channel, 'Discord webhook gone and no email to fall back to');
    return;
  }
  if (result.outcome === 'delivered') await finish(deps, n, 'delivered', channel, null);
  else if (result.outcome === 'retry' && n.attempts < (deps.maxAttempts ?? 8)) {
    await deps.pool.query(`UPDATE notifications SET status = 'pending', channel = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::float / 1000) WHERE id = $1`, [
      n.id,
      channel,
      result.error,
      result.afterMs ?? backoffMs(n.attempts),
    ]);
  } else await finish(deps, n, 'dead', channel, 'error' in result ? result.error : 'undeliverable');
}

async function finish(deps: DispatchDeps, n: Claimed, status: 'delivered' | 'dead' | 'skipped', channel: string | null, error: string | null) {
  await deps.pool.query(
    `UPDATE notifications SET status = $2, channel = coalesce($3, channel), last_error = $4, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END WHERE id = $1`,
    [n.id, status, channel, error],
  );
  notificationsFinished.inc({ status, channel: channel ?? 'none' });
}

async function logAttempt(deps: DispatchDeps, n: Claimed, channel: string, r: SendResult) {
  await deps.pool.query(`INSERT INTO delivery_attempts (notification_id, channel, status, response_code, error, attempt) VALUES ($1, $2, $3, $4, $5, $6)`, [
    n.id,
    channel,
    r.outcome,
    r.code,
    'error' in r ? r.error : null,
    n.attempts,
  ]);
  deliveryAttempts.inc({ channel, outcome: r.outcome });
}

/** Admin: a dead (or skipped) notification goes back in line. */
export async function retryNotification(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(`UPDATE notifications SET status = 'pending', next_attempt_at = now(), attempts = 0 WHERE id = $1 AND status IN ('dead', 'skipped', 'failed')`, [id]);
  return rowCount === 1;
}
