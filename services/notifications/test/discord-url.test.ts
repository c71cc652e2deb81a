import { isAllowedWebhook } from '../src/channels/discord';
import { preferencesBody } from '../src/http/preferences';

// Server-side request forgery: a webhook URL is where the service will POST. Only Discord's own webhook URLs; with
// the test switch, a stand-in on this machine of the same shape — never any other path, port or host.
const token = 'aB3_-xYz'.repeat(8);
const discordUrls = [`https://discord.com/api/webhooks/1234567890123456789/${token}`, `https://canary.discord.com/api/webhooks/12345/${token}`, `https://discordapp.com/api/v10/webhooks/12345/${token}`];
const localUrl = `http://127.0.0.1:5050/api/webhooks/12345/${token}`;
const refused = [
  'http://127.0.0.1:5432/anything',
  'http://127.0.0.1:5050/api/webhooks/12345/tok/../../../admin',
  `http://127.0.0.1:5050/api/webhooks/12345/${token}?x=1`,
  `http://10.0.0.5:5050/api/webhooks/12345/${token}`,
  `http://discord.com/api/webhooks/12345/${token}`,
  `https://discord.com.evil.example/api/webhooks/12345/${token}`,
  `https://evil.example/https://discord.com/api/webhooks/12345/${token}`,
  `https://discord.com:8443/api/webhooks/12345/${token}`,
  `https://discord.com/api/webhooks/12345/${token}/extra`,
  `https://discord.com/api/webhooks/12345/${token}#frag`,
  `https://user@discord.com/api/webhooks/12345/${token}`,
  'https://discord.com/api/webhooks/abc/def',
];

test.each([false, true])('allowLocal=%s: Discord’s webhook URLs only (and the local stand-in only when allowed)', (allowLocal) => {
  for (const url of discordUrls) expect(isAllowedWebhook(url, { allowLocal })).toBe(true);
  expect(isAllowedWebhook(localUrl, { allowLocal })).toBe(allowLocal);
  for (const url of refused) expect({ url, allowed: isAllowedWebhook(url, { allowLocal }) }).toEqual({ url, allowed: false });
  const body = preferencesBody(allowLocal);
  for (const url of refused) expect(body.safeParse({ discord_webhook_url: url }).success).toBe(false);
  expect(body.safeParse({ discord_webhook_url: discordUrls[0] }).success).toBe(true);
});
