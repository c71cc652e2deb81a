import { baseServiceSchema, parseConfig, z } from '@hourglass/config';

export const notificationsConfigSchema = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('notifications'),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
  /** SMTP server for email (smtp://user:pass@host:port); without it, email is not sent (logged as skipped). */
  SMTP_URL: z.string().regex(/^smtps?:\/\//).optional(),
  EMAIL_FROM: z.string().default('Hourglass <no-reply@hourglass.local>'),
  /** Test/dev only: accept http://127.0.0.1 Discord webhook URLs (a local receiver). */
  DISCORD_ALLOW_LOCAL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Kafka consumer group of the intake (one per deployment; a drill or a blue/green copy uses its own). */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('notifications'),
  /**
   * `off`: this process only delivers what is stored (a delivery-only replica, scaled apart from intake; or a drill
   * beside a shared stack) and reads no Kafka topic.
   */
  KAFKA_INTAKE: z.enum(['on', 'off']).default('on'),
  /** A claim older than this is taken to belong to a dispatcher that died: the message is sent again (same Message-ID). */
  STALE_CLAIM_MS: z.coerce.number().int().positive().default(60_000),
  DISPATCH_INTERVAL_MS: z.coerce.number().int().positive().default(500),
  /** The sessions API, asked for a user's cooldown when "Payment received" is sent; unset: sent without it. */
  SESSIONS_URL: z.url().optional(),
});
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): NotificationsConfig => parseConfig(notificationsConfigSchema, env);
