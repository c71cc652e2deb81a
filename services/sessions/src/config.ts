import { baseServiceSchema, fields, parseConfig, z } from '@hourglass/config';

const S3_REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

export const sessionsConfigSchema = baseServiceSchema.extend({
  SERVICE_NAME: z.string().default('sessions'),
  BILLING_URL: fields.url,
  /** The other APIs the operators' console (/console) relays to, and the Temporal Web UI it links into. */
  NOTIFICATIONS_URL: fields.url.optional(),
  TEMPORAL_UI_URL: fields.url.optional(),
  /** A start over HTTP that has not reached its workflow this long after it was decided is given up (503; the credit goes back). */
  START_DEADLINE_MS: z.coerce.number().int().positive().default(10_000),
  /** A start still `starting` after this long stopped half-way (its process died): given up, or finished if automatic. */
  STALE_START_AFTER_MS: z.coerce.number().int().positive().default(30_000),
  STALE_START_SWEEP_MS: z.coerce.number().int().positive().default(5_000),
  /** Starts in flight per user and per client address on one replica; more answer 429 with Retry-After. */
  START_INFLIGHT_PER_USER: z.coerce.number().int().positive().default(2),
  START_INFLIGHT_PER_ADDRESS: z.coerce.number().int().positive().default(200),
  INSTANCE_ID: z.string().default(() => `${process.pid}`),
  /** Hours a depleted pack holds its seat, and when before the end the final warning goes out (seed 001). */
  PACK_GRACE_HOURS: z.coerce.number().positive().default(72),
  PACK_FINAL_WARNING_HOURS: z.coerce.number().positive().default(12),
  /** Where session files' bytes live: `local` (FILES_DIR, the default) or `s3` (a bucket of an S3-compatible server). */
  FILE_STORAGE: z.enum(['local', 's3']).default('local'),
  /** Session files on local disk (FILE_STORAGE=local). */
  FILES_DIR: z.string().min(1).default('data/files'),
  /** FILE_STORAGE=s3: endpoint, bucket and credentials are required then; the bucket must exist. */
  S3_ENDPOINT: fields.url.optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (http://host/bucket/key), what most self-hosted S3-compatible servers need; false for AWS virtual hosts. */
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Worker: workflows kept in memory between tasks; a sleeping session beyond these is evicted and replays when it wakes. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(250),
  /**
   * Worker: a prebuilt workflow bundle (`npm run build -w @hourglass/workflows`, done by images and by the local stack at
   * every start); unset, the worker bundles the workflow source itself (seconds per start).
   */
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** The public base URL of this API (what its users reach, e.g. behind a load balancer): download links are built
   *  on it, never on the request's Host header. */
  PUBLIC_URL: fields.url.default('http://localhost:4001'),
  /** Event streams (SSE) one user may hold open at once on one replica; one more is a 429. */
  MAX_STREAMS_PER_USER: z.coerce.number().int().positive().default(10),
  /** Secret for signed download links; derived from JWT_SECRET when not set. */
  FILE_URL_SECRET: z.string().min(16).optional(),
}).superRefine(
  (c, ctx) => {
    if (c.STALE_START_AFTER_MS < 2 * c.START_DEADLINE_MS) {
      ctx.addIssue({ code: 'custom', path: ['STALE_START_AFTER_MS'], message: `must be at least twice START_DEADLINE_MS (${c.START_DEADLINE_MS}): a start still under way must not be swept` });
    }
    if (c.FILE_STORAGE !== 's3') return;
    for (const name of S3_REQUIRED) {
      if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: `required when FILE_STORAGE=s3 (set ${S3_REQUIRED.join(', ')})` });
    }
  },
  // Also when other variables are wrong, so one start lists every problem.
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
);
export type SessionsConfig = z.infer<typeof sessionsConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): SessionsConfig => parseConfig(sessionsConfigSchema, env);
