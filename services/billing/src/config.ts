import { baseServiceSchema, parseConfig, z } from '@hourglass/config';

export const billingConfigSchema = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('billing'),
  DEFAULT_PLAN_ID: z.string().min(1).default('standard'),
  STRIPE_API_URL: z.url().optional(),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
});
export type BillingConfig = z.infer<typeof billingConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): BillingConfig => parseConfig(billingConfigSchema, env);
