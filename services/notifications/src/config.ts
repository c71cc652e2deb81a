import { baseServiceSchema, parseConfig, z } from '@hourglass/config';

export const notificationsConfigSchema = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('notifications'),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
});
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): NotificationsConfig => parseConfig(notificationsConfigSchema, env);
