import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download links for session files: `expires` (unix seconds) and an HMAC-SHA256 over the file id and expiry.
 * Anyone holding the link may download until it expires; changing any part of it breaks the signature.
 */
export const DOWNLOAD_URL_TTL_SECONDS = 3600;

const signature = (secret: string, fileId: string, expires: number) => createHmac('sha256', secret).update(`session-file:${fileId}:${expires}`).digest('base64url');

export function signDownload(secret: string, fileId: string, now: Date, ttlSeconds = DOWNLOAD_URL_TTL_SECONDS): { expires: number; signature: string } {
  const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
  return { expires, signature: signature(secret, fileId, expires) };
}

export type DownloadCheck = { ok: true } | { ok: false; reason: 'bad_signature' | 'expired' };

export function checkDownload(secret: string, fileId: string, expires: number, given: string, now: Date): DownloadCheck {
  const expected = Buffer.from(signature(secret, fileId, expires));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'bad_signature' };
  if (Math.floor(now.getTime() / 1000) > expires) return { ok: false, reason: 'expired' };
  return { ok: true };
}
