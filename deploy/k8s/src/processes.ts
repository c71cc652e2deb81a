/**
 * The Hourglass processes as Kubernetes runs them, and who talks to whom: the one table the workloads, their
 * ServiceAccounts, Kafka users, NetworkPolicies and connection budget are generated from.
 */
export const NAMESPACE = 'hourglass';
export const PORT = 8080;
/** The Temporal SDK's own metrics (the workers' Runtime exports them in Prometheus format here). */
export const SDK_METRICS_PORT = 9464;
export const REGISTRY = 'ghcr.io/hourglass';

export type ServiceName = 'sessions' | 'billing' | 'notifications';
export const SERVICES: readonly ServiceName[] = ['sessions', 'billing', 'notifications'];

export interface ProcessSpec {
  name: string;
  service: ServiceName;
  kind: 'api' | 'worker';
  /** Task queue a worker polls (its ScaledObject scales on this queue's backlog). */
  taskQueue?: string;
  /** Connects to Temporal (a worker, or the sessions API's workflow client): gets the mTLS client certificate. */
  temporal: boolean;
  /** Has a Kafka user (produces or consumes): the APIs. The workers write events through the outbox only. */
  kafka: boolean;
  /** Connections of its own on the direct (session) pool, besides its main pool (DATABASE_DIRECT_POOL_MAX). */
  directPoolMax: number;
  /** Other Hourglass APIs it calls over HTTP. */
  calls: ServiceName[];
  /** TCP ports it reaches outside the cluster (payment providers, SMTP, S3…): egress to any address on them. */
  internetPorts: number[];
  secrets: string[];
}

export const PROCESSES: ProcessSpec[] = [
  // The console relays to billing and notifications; a start takes its credit from billing.
  { name: 'sessions', service: 'sessions', kind: 'api', temporal: true, kafka: true, directPoolMax: 3, calls: ['billing', 'notifications'], internetPorts: [443], secrets: ['JWT_SECRET', 'FILE_URL_SECRET'] },
  { name: 'sessions-worker', service: 'sessions', kind: 'worker', taskQueue: 'sessions', temporal: true, kafka: false, directPoolMax: 0, calls: ['billing'], internetPorts: [], secrets: ['JWT_SECRET'] },
  { name: 'billing', service: 'billing', kind: 'api', temporal: false, kafka: true, directPoolMax: 2, calls: [], internetPorts: [443], secrets: ['JWT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PAYPAL_WEBHOOK_ID', 'WOOCOMMERCE_WEBHOOK_SECRET'] },
  { name: 'billing-worker', service: 'billing', kind: 'worker', taskQueue: 'billing', temporal: true, kafka: false, directPoolMax: 0, calls: [], internetPorts: [443], secrets: ['JWT_SECRET'] },
  // The gate's cooldown for payment messages; Discord (443) and SMTP (25, 465, 587).
  { name: 'notifications', service: 'notifications', kind: 'api', temporal: false, kafka: true, directPoolMax: 0, calls: ['sessions'], internetPorts: [25, 443, 465, 587], secrets: ['JWT_SECRET', 'SMTP_URL'] },
];

export const labelsOf = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'hourglass' });
export const dbCluster = (service: ServiceName) => `${service}-db`;
export const poolerName = (service: ServiceName) => `${dbCluster(service)}-pooler-rw`;
/** The migration Job's pod (and ServiceAccount) name. */
export const MIGRATIONS = 'hourglass-migrations';
/** Label of every pod that may reach the Kafka listener (Strimzi's listener NetworkPolicy admits only these). */
export const KAFKA_CLIENT_LABEL = 'hourglass.dev/kafka-client';
