import { z } from 'zod';
import { clientKey, identifier } from '@hourglass/http';

// Schemas of what the sessions API answers (for /openapi.json), next to the request schemas in each route file.

export const idempotencyKeyHeader = z.object({ 'Idempotency-Key': clientKey(255).optional().describe('Makes a retried request answer the same result') });
export const sessionIdParam = z.object({ id: identifier(64) });

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

/** What ending answers: the final state (ending again answers the same). */
export const endedSession = z.object({ session_id: z.string(), status: z.string(), duration_used_seconds: z.number(), message: z.string().optional() });

const timestamp = z.string().describe('ISO 8601');

export const packView = z.object({
  id: z.string(),
  student_id: z.string(),
  mentor_id: z.string(),
  status: z.enum(['active', 'depleted', 'grace', 'renewed', 'expired', 'released']),
  total_sessions: z.number().int(),
  remaining_sessions: z.number().int(),
  completed_sessions: z.number().int(),
  seat_status: z.enum(['held', 'grace', 'released', 'moved']).describe('moved: the pack was renewed and its seat went to the pack in seat_moved_to'),
  grace_ends_at: timestamp.nullable(),
  renewed_by: z.string().nullable(),
  seat_moved_to: z.string().nullable().describe('the pack that holds this pack’s seat now (after a renewal)'),
  scheduled_sessions: z.array(z.object({ id: z.string(), scheduled_at: timestamp, status: z.string() })),
});

export const mentorSeatsView = z.object({
  mentor_id: z.string(),
  seat_capacity: z.number().int(),
  seats_taken: z.number().int(),
  seats: z.array(z.object({ pack_id: z.string(), student_id: z.string(), status: z.string(), seat_status: z.string(), grace_ends_at: timestamp.nullable() })),
});

export const userOverview = z.object({
  user_id: z.string(),
  gate: gateView,
  sessions: z.array(sessionView.extend({ user_id: z.string(), participant_id: z.string().nullable() })),
  packs: z.array(packView),
  viewed_by: z.string(),
});

export const auditTrail = z.object({
  items: z.array(z.object({ id: z.string(), admin_id: z.string(), action: z.string(), target_type: z.string(), target_id: z.string(), reason: z.string(), details: z.record(z.string(), z.unknown()), created_at: timestamp })),
});
