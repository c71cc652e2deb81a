import { z } from 'zod';

import { ConfigError } from './config-error';

export { ConfigError };

/**
 * Parses configuration once at start-up. Every process builds one typed config object from its environment
 * with this; nothing else reads process.env. Fails fast with every problem listed, not just the first.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

/** Reusable fields shared by every Hourglass process. */
export const fields = {
  port: z.coerce.number().int().min(0).max(65535),
  url: z.url(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  kafkaBrokers: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  temporalAddress: z.string().regex(/^[^:]+:\d+$/, 'must be host:port'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  nodeEnv: z.enum(['development', 'test', 'production']),
  secret: z.string().min(16, 'must be at least 16 characters'),
  flag: z.enum(['true', 'false']).transform((v) => v === 'true'),
};

/** The part of every service's config that is the same everywhere. */
export const baseServiceSchema = z.object({
  SERVICE_NAME: z.string().min(1),
  NODE_ENV: fields.nodeEnv.default('development'),
  PORT: fields.port.default(0),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: fields.logLevel.default('info'),
  DATABASE_URL: fields.databaseUrl,
  /**
   * A direct connection to Postgres for what needs a session of its own — migrations (advisory lock), the outbox
   * relay's leader lock and LISTEN, the session event streams' LISTEN — when DATABASE_URL goes through a pooler in
   * transaction mode (PgBouncer), where those do not hold. Unset: DATABASE_URL is used for everything.
   */
  DATABASE_DIRECT_URL: fields.databaseUrl.optional(),
  /** Connections of the process's main pool (each one a PgBouncer client connection in Kubernetes). */
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  /** …and of its pool on DATABASE_DIRECT_URL, when set (the relay's leader connection, the streams' LISTEN, a spare). */
  DATABASE_DIRECT_POOL_MAX: z.coerce.number().int().positive().default(3),
  /** Workers: serve the Temporal SDK's own metrics (task slots, schedule-to-start latency, failures…) for Prometheus on this port. */
  TEMPORAL_METRICS_PORT: fields.port.optional(),
  KAFKA_BROKERS: fields.kafkaBrokers,
  TEMPORAL_ADDRESS: fields.temporalAddress,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** mTLS to Temporal (Temporal Cloud, or a cluster that requires it): paths of PEM files, e.g. a mounted secret. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** The server's CA, when it is not a public one; and the name to verify, when it differs from the address's host. */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  JWT_SECRET: fields.secret,
  /**
   * Kafka topics at start: `create` makes the missing ones (the local stack, tests); `wait` only waits for them to
   * exist (Kubernetes, where KafkaTopic resources are the only source of topics) and fails the start after
   * KAFKA_TOPICS_WAIT_MS.
   */
  KAFKA_TOPICS: z.enum(['create', 'wait']).default('create'),
  KAFKA_TOPICS_WAIT_MS: z.coerce.number().int().positive().default(90_000),
  /** TLS to the brokers (`true`), the cluster's CA when private (a PEM file), and SASL/SCRAM credentials. */
  KAFKA_TLS: fields.flag.default(false),
  KAFKA_TLS_CA: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).default('scram-sha-512'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /**
   * Graceful stop: after SIGTERM the process has this long to drain and close before it exits 1 anyway. Keep it
   * below Kubernetes' terminationGracePeriodSeconds minus the preStop pause.
   */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Workers: how long in-flight activities may run on after SIGTERM before they are cancelled (Temporal's shutdownGraceTime). */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * What `/readyz` checks: `dependencies` (Postgres, Kafka, Temporal… answer; the local stack and operators) or
   * `local` (only what belongs to this process, e.g. its worker is running: Kubernetes readiness, so a shared
   * dependency's blip does not take every pod out of its Service at once).
   */
  READINESS_SCOPE: z.enum(['dependencies', 'local']).default('dependencies'),
});
export type BaseServiceConfig = z.infer<typeof baseServiceSchema>;

/** The URL for session-level work (migrations, advisory locks, LISTEN): the direct one when a pooler is in front. */
export const directDatabaseUrl = (c: { DATABASE_URL: string; DATABASE_DIRECT_URL?: string }): string => c.DATABASE_DIRECT_URL ?? c.DATABASE_URL;

export { temporalTls, type TemporalTls, type TemporalTlsSettings } from './temporal-tls';
export { kafkaSecurity, type KafkaSecurity, type KafkaSecuritySettings } from './kafka-security';

export { z };
