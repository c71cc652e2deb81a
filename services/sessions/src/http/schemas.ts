import { z } from 'zod';

// Schemas of what the sessions API answers (for /openapi.json), next to the request schemas in each route file.

export const idempotencyKeyHeader = { 'Idempotency-Key': { description: 'Makes a retried request answer the same result (1–255 chars)' } };
export const sessionIdParam = z.object({ id: z.string().min(1).max(64) });

export const startedSession = z.object({
  status: z.literal('ok'),
  session: z.object({
    id: z.string(),
    mode: z.string(),
    session_type: z.enum(['freemium', 'paid', 'test', 'pack']),
    duration_minutes: z.number(),
    started_at: z.string(),
    expires_at: z.string(),
    status: z.string(),
  }),
});

export const sessionView = z.looseObject({
  session_id: z.string(),
  status: z.enum(['scheduled', 'active', 'ended', 'expired', 'cancelled']),
  mode: z.string(),
  session_type: z.string(),
  duration_minutes: z.number(),
  remaining_seconds: z.number().int().min(0),
  started_at: z.string(),
  expires_at: z.string(),
  ended_at: z.string().optional(),
  duration_used_seconds: z.number().optional(),
  message: z.string().optional(),
  server_time: z.string(),
});

export const gateView = z.object({
  cooldown_until: z.string().nullable(),
  retry_after_seconds: z.number(),
  has_credit: z.boolean(),
  active_session_id: z.string().nullable(),
  can_start: z.boolean(),
  auto_start: z.boolean(),
  server_time: z.string(),
});

export const checkoutAnswer = z.object({ checkout_session_id: z.string(), url: z.string().nullable(), amount_cents: z.number() });

export const fileView = z.object({
  id: z.string(),
  session_id: z.string(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number(),
  uploaded_by: z.string(),
  created_at: z.string(),
  download_url: z.string(),
  download_url_expires_at: z.string(),
});
