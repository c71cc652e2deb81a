import { splitForDiscord } from '../domain/templates';
import type { Message, SendResult } from './types';

export interface DiscordConfig {
  /** Production: only Discord's own webhook URLs. Test config may allow http://127.0.0.1. */
  allowLocal: boolean;
  timeoutMs?: number;
}

// A webhook is /api[/v<n>]/webhooks/<snowflake id>/<token>, nothing before or after (no query, no fragment, no port).
const WEBHOOK_PATH = String.raw`/api(?:/v[0-9]{1,2})?/webhooks/[0-9]{1,20}/[A-Za-z0-9_-]{1,100}`;
const DISCORD = new RegExp(String.raw`^https://(?:(?:ptb|canary)\.)?(?:discord|discordapp)\.com${WEBHOOK_PATH}$`);
// Test configuration only: a Discord stand-in on this machine, on the same path shape (never any other path).
const LOCAL = new RegExp(String.raw`^http://(?:127\.0\.0\.1|localhost):[0-9]{1,5}${WEBHOOK_PATH}$`);

/**
 * The webhook URLs accepted: Discord's own (https, its hosts, its webhook path, anchored at both ends), and with the
 * test switch a local stand-in of the same shape. Also the API's documented pattern, so what is stored is what
 * delivery will post to.
 */
export function webhookUrlPattern(config: Pick<DiscordConfig, 'allowLocal'>): RegExp {
  return config.allowLocal ? new RegExp(`${DISCORD.source}|${LOCAL.source}`) : DISCORD;
}

export function isAllowedWebhook(url: string, config: Pick<DiscordConfig, 'allowLocal'>): boolean {
  return webhookUrlPattern(config).test(url);
}

/** Seconds to wait from a 429 (body `retry_after`, else `Retry-After`) or an exhausted bucket (`X-RateLimit-Reset-After`). */
export function rateLimitDelayMs(status: number, headers: Headers, body: unknown): number | undefined {
  const seconds = (v: unknown) => (v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) * 1000 : undefined);
  if (status === 429) return seconds((body as { retry_after?: unknown })?.retry_after) ?? seconds(headers.get('retry-after')) ?? 1000;
  if (headers.get('x-ratelimit-remaining') === '0') return seconds(headers.get('x-ratelimit-reset-after'));
  return undefined;
}

/**
 * Posts the message to a Discord webhook with `?wait=true`, split at 2000 characters. Parts already posted are not
 * posted again on a retry of the same message (`from`), so a 429 halfway does not duplicate the first half.
 */
export async function sendDiscord(url: string, message: Message, config: DiscordConfig, from = 0): Promise<SendResult & { sentParts?: number }> {
  if (!isAllowedWebhook(url, config)) return { outcome: 'permanent', code: 'invalid_webhook', error: 'not a Discord webhook URL' };
  const parts = splitForDiscord(message.text);
  for (let i = from; i < parts.length; i++) {
    let res: Response;
    try {
      res = await fetch(`${url}?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: parts[i], allowed_mentions: { parse: [] } }),
        signal: AbortSignal.timeout(config.timeoutMs ?? 10000),
        // A webhook URL answers itself; a redirect would lead the post somewhere not checked above.
        redirect: 'error',
      });
    } catch (e) {
      return { outcome: 'retry', code: 'network', error: (e as Error).message, sentParts: i };
    }
    const body = await res.json().catch(() => undefined);
    if (res.status === 404) return { outcome: 'gone', code: '404', error: 'webhook not found', sentParts: i };
    if (res.status === 429) return { outcome: 'retry', code: '429', error: 'rate limited', afterMs: rateLimitDelayMs(429, res.headers, body), sentParts: i };
    if (res.status >= 500) return { outcome: 'retry', code: String(res.status), error: 'Discord server error', sentParts: i };
    if (!res.ok) return { outcome: 'permanent', code: String(res.status), error: JSON.stringify(body ?? {}).slice(0, 300), sentParts: i };
  }
  return { outcome: 'delivered', code: '200', sentParts: parts.length };
}
