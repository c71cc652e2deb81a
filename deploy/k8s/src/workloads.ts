import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { Environment } from './environments';
import { containerSecurityContext, podSecurityContext } from './pod-security';
import { dbCluster, KAFKA_CLIENT_LABEL, labelsOf, NAMESPACE, poolerName, PORT, REGISTRY, SDK_METRICS_PORT, type ProcessSpec, type ServiceName } from './processes';
import { KAFKA_CA_SECRET, kafkaUserName } from './strimzi';

/**
 * The Hourglass processes: a Deployment each (no `replicas`: its autoscaler owns the count), a ServiceAccount each
 * (no API token mounted: nothing here calls the Kubernetes API), a Service for the APIs, a PDB, and the APIs' CPU
 * HPA (the workers scale on their task queue's backlog: keda.ts). Images are `ghcr.io/hourglass/<service>:<tag>`,
 * built from services/<service>/Dockerfile; `args` picks the compiled entry.
 */

/** Graceful stop, per kind. The APIs pause before SIGTERM (preStop) so endpoints and the ingress drop them first. */
export const TIMING = {
  api: { terminationGracePeriodSeconds: 45, preStopSeconds: 10, shutdownTimeoutMs: 30_000 },
  worker: { terminationGracePeriodSeconds: 90, preStopSeconds: 0, shutdownTimeoutMs: 75_000, workerShutdownGraceMs: 45_000 },
} as const;

const TEMPORAL_TLS_DIR = '/etc/temporal-tls';
const KAFKA_CA_DIR = '/etc/kafka-ca';
const usesTemporalTls = (env: Environment, p: ProcessSpec) => p.temporal && env.temporal.tls;
export const image = (env: Environment, service: ServiceName) => `${REGISTRY}/${service}:${env.imageTag}`;
export const entryOf = (p: { kind: 'api' | 'worker' }) => (p.kind === 'api' ? 'dist/main.js' : 'dist/worker.js');

/**
 * DATABASE_URL through the database's PgBouncer Pooler (transaction mode), built from CNPG's `<cluster>-app` secret;
 * DATABASE_DIRECT_URL (that secret's `uri`, the primary itself) for what needs a session: migrations, advisory
 * locks, LISTEN.
 */
export function databaseEnv(service: ServiceName): IEnvVar[] {
  const secret = `${dbCluster(service)}-app`;
  return [
    { name: 'DB_USER', valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
    { name: 'DATABASE_URL', value: `postgresql://$(DB_USER):$(DB_PASSWORD)@${poolerName(service)}.${NAMESPACE}.svc:5432/${service}` },
    { name: 'DATABASE_DIRECT_URL', valueFrom: { secretKeyRef: { name: secret, key: 'uri' } } },
  ];
}

export const tmpVolume = { volume: { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } } as IVolume, mount: { name: 'tmp', mountPath: '/tmp' } as IVolumeMount };

/** What a process mounts: /tmp, the session files claim (sessions API, local storage), Temporal's and Kafka's TLS material. */
function mountsOf(env: Environment, p: ProcessSpec): Array<{ volume: IVolume; mount: IVolumeMount }> {
  return [
    tmpVolume,
    ...(p.name === 'sessions' && env.files.storage === 'local' ? [{ volume: { name: 'files', persistentVolumeClaim: { claimName: 'session-files' } }, mount: { name: 'files', mountPath: '/data/files' } }] : []),
    ...(usesTemporalTls(env, p) ? [{ volume: { name: 'temporal-tls', secret: { secretName: 'temporal-client-tls' } }, mount: { name: 'temporal-tls', mountPath: TEMPORAL_TLS_DIR, readOnly: true } }] : []),
    ...(p.kafka ? [{ volume: { name: 'kafka-ca', secret: { secretName: KAFKA_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, mount: { name: 'kafka-ca', mountPath: KAFKA_CA_DIR, readOnly: true } }] : []),
  ];
}

function envOf(env: Environment, p: ProcessSpec): IEnvVar[] {
  const timing = TIMING[p.kind];
  return [
    { name: 'SERVICE_NAME', value: p.name },
    { name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...databaseEnv(p.service),
    { name: 'DATABASE_POOL_MAX', value: String(env.databasePoolMax) },
    ...(p.directPoolMax > 0 ? [{ name: 'DATABASE_DIRECT_POOL_MAX', value: String(p.directPoolMax) }] : []),
    ...p.secrets.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: 'hourglass-secrets', key, optional: key === 'SMTP_URL' || key === 'FILE_URL_SECRET' } } })),
    ...(p.kafka
      ? [
          { name: 'KAFKA_TLS', value: 'true' },
          { name: 'KAFKA_TLS_CA', value: `${KAFKA_CA_DIR}/ca.crt` },
          { name: 'KAFKA_SASL_MECHANISM', value: 'scram-sha-512' },
          { name: 'KAFKA_SASL_USERNAME', value: kafkaUserName(p.service) },
          { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: kafkaUserName(p.service), key: 'password' } } },
        ]
      : []),
    ...(usesTemporalTls(env, p)
      ? [
          { name: 'TEMPORAL_TLS_CERT', value: `${TEMPORAL_TLS_DIR}/tls.crt` },
          { name: 'TEMPORAL_TLS_KEY', value: `${TEMPORAL_TLS_DIR}/tls.key` },
        ]
      : []),
    { name: 'SHUTDOWN_TIMEOUT_MS', value: String(timing.shutdownTimeoutMs) },
    ...(p.kind === 'worker'
      ? [
          { name: 'WORKER_SHUTDOWN_GRACE_MS', value: String(TIMING.worker.workerShutdownGraceMs) },
          { name: 'TEMPORAL_METRICS_PORT', value: String(SDK_METRICS_PORT) },
        ]
      : []),
    ...(p.name === 'sessions' ? filesEnv(env) : []),
  ];
}

function filesEnv(env: Environment): IEnvVar[] {
  if (env.files.storage === 'local') return [{ name: 'FILE_STORAGE', value: 'local' }, { name: 'FILES_DIR', value: '/data/files' }];
  return [
    { name: 'FILE_STORAGE', value: 's3' },
    { name: 'S3_ENDPOINT', value: env.files.endpoint },
    { name: 'S3_BUCKET', value: env.files.bucket },
    { name: 'S3_REGION', value: env.files.region },
    { name: 'S3_FORCE_PATH_STYLE', value: String(env.files.forcePathStyle) },
    { name: 'S3_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'hourglass-s3', key: 'S3_ACCESS_KEY_ID' } } },
    { name: 'S3_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'hourglass-s3', key: 'S3_SECRET_ACCESS_KEY' } } },
  ];
}

function container(env: Environment, p: ProcessSpec): IContainer {
  const size = p.kind === 'api' ? env.api : env.worker;
  return {
    name: p.name,
    image: image(env, p.service),
    // Tags are moved on purpose (dev): always ask the registry, which also re-checks the pull secret.
    imagePullPolicy: 'Always',
    args: [entryOf(p)],
    ports: [{ name: 'http', containerPort: PORT }, ...(p.kind === 'worker' ? [{ name: 'sdk-metrics', containerPort: SDK_METRICS_PORT }] : [])],
    envFrom: [{ configMapRef: { name: 'hourglass-config' } }],
    env: envOf(env, p),
    resources: { requests: { cpu: size.cpu, memory: size.memory, 'ephemeral-storage': '256Mi' }, limits: { cpu: size.cpuLimit, memory: size.memoryLimit, 'ephemeral-storage': '1Gi' } },
    // Readiness checks this process only (READINESS_SCOPE=local): a shared dependency's blip must not empty the Service.
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
    // Start covers migrations, waiting for the Kafka topics (KAFKA_TOPICS_WAIT_MS) and the connections: up to 3 minutes.
    startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 36 },
    ...(p.kind === 'api' ? { lifecycle: { preStop: { sleep: { seconds: TIMING.api.preStopSeconds } } } } : {}),
    securityContext: containerSecurityContext,
    volumeMounts: mountsOf(env, p).map((m) => m.mount),
  };
}

export function serviceAccount(name: string): ServiceAccount {
  return new ServiceAccount({ metadata: { name, namespace: NAMESPACE, labels: labelsOf(name) }, automountServiceAccountToken: false });
}

export function deployment(env: Environment, p: ProcessSpec): Deployment {
  return new Deployment({
    metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) },
    spec: {
      selector: { matchLabels: labelsOf(p.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...labelsOf(p.name), ...(p.kafka ? { [KAFKA_CLIENT_LABEL]: 'true' } : {}) } },
        spec: {
          serviceAccountName: p.name,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TIMING[p.kind].terminationGracePeriodSeconds,
          securityContext: podSecurityContext,
          containers: [container(env, p)],
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labelsOf(p.name) } }],
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labelsOf(p.name) } } }] } },
          volumes: mountsOf(env, p).map((m) => m.volume),
        },
      },
    },
  });
}

export function service(p: ProcessSpec): Service {
  return new Service({ metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) }, spec: { selector: labelsOf(p.name), ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
}

export function disruptionBudget(p: ProcessSpec): PodDisruptionBudget {
  return new PodDisruptionBudget({ metadata: { name: p.name, namespace: NAMESPACE }, spec: { maxUnavailable: 1, selector: { matchLabels: labelsOf(p.name) } } });
}

/** Scale-down waits 5 minutes of lower load and then sheds at most a quarter a minute; scale-up is immediate. */
export const SCALE_DOWN = { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 25, periodSeconds: 60 }] };

export function cpuAutoscaler(env: Environment, p: ProcessSpec): HorizontalPodAutoscaler {
  return new HorizontalPodAutoscaler({
    metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: p.name },
      minReplicas: env.api.minReplicas,
      maxReplicas: env.api.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: SCALE_DOWN },
    },
  });
}
