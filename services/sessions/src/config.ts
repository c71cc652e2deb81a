import { baseServiceSchema, fields, parseConfig, z } from '@hourglass/config';

export const sessionsConfigSchema = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('sessions'),
  BILLING_URL: fields.url,
  /** The other APIs the operators' console (/console) relays to, and the Temporal Web UI it links into. */
  NOTIFICATIONS_URL: fields.url.optional(),
  TEMPORAL_UI_URL: fields.url.optional(),
  /** How long a start request may wait for the gate before answering 503 (the start still completes durably). */
  START_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
  /** Hours a depleted pack holds its seat, and when before the end the final warning goes out (seed 001). */
  PACK_GRACE_HOURS: z.coerce.number().positive().default(72),
  PACK_FINAL_WARNING_HOURS: z.coerce.number().positive().default(12),
  /** Session files on local disk (the default storage). */
  FILES_DIR: z.string().min(1).default('data/files'),
  /** Secret for signed download links; derived from JWT_SECRET when not set. */
  FILE_URL_SECRET: z.string().min(16).optional(),
});
export type SessionsConfig = z.infer<typeof sessionsConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): SessionsConfig => parseConfig(sessionsConfigSchema, env);
