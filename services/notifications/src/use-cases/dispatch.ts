import type { Pool } from '@hourglass/postgres';
import { sendDiscord, type DiscordConfig } from '../channels/discord';
import type { EmailChannel } from '../channels/email';
import type { SendResult } from '../channels/types';
import { routeOf, type Channel, type Preferences } from '../domain/routing';
import { render } from '../domain/templates';
import { defaultReader, type Reader } from '../domain/words';
import { deliveryAttempts, notificationsFinished } from '../metrics';

export interface DispatchDeps {
  pool: Pool;
  email: EmailChannel | null;
  discord: DiscordConfig;
  maxAttempts?: number;
  /** A claim older than this is taken to be from a crashed dispatcher and is retried. */
  staleClaimMs?: number;
  /** Data a template needs as of sending (the gate's cooldown for "Payment received"), looked up by template. */
  liveData?: (templateId: string, userId: string) => Promise<Record<string, string>>;
}

interface Claimed {
  id: string;
  user_id: string;
  template_id: string;
  data: Record<string, string>;
  attempts: number;
  message_id: string | null;
  channels_done: string[];
}

interface Stored extends Preferences {
  time_zone: string | null;
  locale: string | null;
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
 * Discord webhooks have no idempotency key. Nothing is lost. A message for several channels records each channel it
 * reached, so a retry sends only to the ones still missing.
 */
export async function dispatchDue(deps: DispatchDeps, limit = 20): Promise<number> {
  const { rows } = await deps.pool.query<Claimed>(
    `UPDATE notifications SET status = 'sending', attempts = attempts + 1, claimed_at = now(), message_id = coalesce(message_id, id::text)
     WHERE id IN (
       SELECT id FROM notifications
       WHERE (status = 'pending' AND coalesce(next_attempt_at, not_before, created_at) <= now())
          OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2::float / 1000))
       ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, user_id, template_id, data, attempts, message_id, channels_done`,
    [limit, deps.staleClaimMs ?? 60_000],
  );
  await Promise.all(rows.map((n) => deliverOne(deps, n)));
  return rows.length;
}

async function deliverOne(deps: DispatchDeps, n: Claimed): Promise<void> {
  const { rows } = await deps.pool.query<Stored>(`SELECT email, discord_webhook_url, discord_dead, channels, quiet, time_zone, locale FROM preferences WHERE user_id = $1`, [n.user_id]);
  const prefs = rows[0] ?? null;
  const known = (await deps.pool.query(`SELECT email FROM contacts WHERE user_id = $1`, [n.user_id])).rows[0]?.email ?? null;
  const live = deps.liveData ? await deps.liveData(n.template_id, n.user_id) : {};
  const reader: Reader = { ...defaultReader(), ...(prefs?.time_zone ? { timeZone: prefs.time_zone } : {}), ...(prefs?.locale ? { locale: prefs.locale } : {}) };
  const message = { id: n.message_id ?? n.id, ...render(n.template_id, { ...n.data, ...live }, reader) };
  const route = routeOf(message, prefs, known, Boolean(deps.email));
  if (!route.channels.length) {
    await finish(deps, n, 'skipped', null, route.why ?? 'no channel');
    return;
  }

  const done = new Set(n.channels_done ?? []);
  const todo: Channel[] = route.channels.filter((c) => !done.has(c));
  const failures: string[] = [];
  let retry: { error: string; afterMs?: number } | null = null;
  let lastChannel: Channel | null = null;
  for (let i = 0; i < todo.length; i++) {
    const channel = todo[i]!;
    lastChannel = channel;
    const result = channel === 'discord' ? await sendDiscord(prefs!.discord_webhook_url!, message, deps.discord) : await deps.email!.send(route.email!, message);
    await logAttempt(deps, n, channel, result);
    if (result.outcome === 'delivered') {
      done.add(channel);
      continue;
    }
    if (result.outcome === 'gone') {
      // The webhook was deleted: never used again until a new one is set; Discord messages go by email meanwhile.
      await deps.pool.query(`UPDATE preferences SET discord_dead = true, discord_dead_at = coalesce(discord_dead_at, now()) WHERE user_id = $1`, [n.user_id]);
      const address = prefs?.email ?? known;
      if (!todo.includes('email') && !done.has('email') && address && deps.email) {
        todo.push('email');
        route.email = address;
      } else if (!todo.includes('email') && !done.has('email')) failures.push('Discord webhook gone and no email to fall back to');
      continue;
    }
    if (result.outcome === 'retry') retry = { error: `${channel}: ${result.error}`, afterMs: result.afterMs };
    else failures.push(`${channel}: ${result.error}`);
  }

  const channel = [...done].sort().join(',') || lastChannel;
  if (retry && n.attempts < (deps.maxAttempts ?? 8)) {
    await deps.pool.query(`UPDATE notifications SET status = 'pending', channel = $2, channels_done = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5::float / 1000) WHERE id = $1`, [
      n.id,
      channel,
      [...done],
      retry.error,
      retry.afterMs ?? backoffMs(n.attempts),
    ]);
    return;
  }
  if (retry) failures.push(retry.error);
  await deps.pool.query(`UPDATE notifications SET channels_done = $2 WHERE id = $1`, [n.id, [...done]]);
  // Delivered when it reached someone; what failed on another channel stays in last_error and the attempts.
  if (done.size) await finish(deps, n, 'delivered', channel, failures.length ? failures.join('; ') : null);
  else await finish(deps, n, 'dead', channel, failures.join('; ') || 'undeliverable');
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
