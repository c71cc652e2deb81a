import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { Environment } from './environments';
import { KAFKA_CLUSTER, strimziResources } from './strimzi';

/**
 * The base: every Hourglass object, built from typed models (kubernetes-models for Kubernetes, and
 * @kubernetes-models/cloudnative-pg for CNPG) that validate against their OpenAPI / CRD schemas.
 * Images are `hourglass/<service>:<tag>` built from services/<service>/Dockerfile (targets `api` and `worker`).
 */
export const NAMESPACE = 'hourglass';
const PORT = 8080;
const REGISTRY = 'ghcr.io/hourglass';

type Service_ = 'sessions' | 'billing' | 'notifications';
interface ProcessSpec {
  name: string;
  service: Service_;
  kind: 'api' | 'worker';
  /** Task queue a worker polls (its HPA scales on this queue's backlog). */
  taskQueue?: string;
  /** Connects to Temporal (a worker, or the sessions API's workflow client): gets the mTLS client certificate. */
  temporal: boolean;
  secrets: string[];
}

export const PROCESSES: ProcessSpec[] = [
  { name: 'sessions', service: 'sessions', kind: 'api', temporal: true, secrets: ['JWT_SECRET', 'FILE_URL_SECRET'] },
  { name: 'sessions-worker', service: 'sessions', kind: 'worker', taskQueue: 'sessions', temporal: true, secrets: ['JWT_SECRET'] },
  { name: 'billing', service: 'billing', kind: 'api', temporal: false, secrets: ['JWT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PAYPAL_WEBHOOK_ID', 'WOOCOMMERCE_WEBHOOK_SECRET'] },
  { name: 'billing-worker', service: 'billing', kind: 'worker', taskQueue: 'billing', temporal: true, secrets: ['JWT_SECRET'] },
  { name: 'notifications', service: 'notifications', kind: 'api', temporal: false, secrets: ['JWT_SECRET', 'SMTP_URL'] },
];

const labelsOf = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'hourglass' });
const dbCluster = (service: Service_) => `${service}-db`;
const TEMPORAL_TLS_DIR = '/etc/temporal-tls';
const usesTemporalTls = (env: Environment, p: ProcessSpec) => p.temporal && env.temporal.tls;
const image = (env: Environment, p: { service: Service_ }) => `${REGISTRY}/${p.service}:${env.imageTag}`;

/** DATABASE_URL from the CNPG-generated `<cluster>-app` secret; secrets by reference, never by value. */
function envOf(p: { service: Service_; name: string; secrets: string[] }): IEnvVar[] {
  return [
    { name: 'SERVICE_NAME', value: p.name },
    { name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${dbCluster(p.service)}-app`, key: 'uri' } } },
    ...p.secrets.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: 'hourglass-secrets', key, optional: key === 'SMTP_URL' || key === 'FILE_URL_SECRET' } } })),
  ];
}

/**
 * What a process mounts, each pod volume beside its container mount: the shared session files (sessions API), and
 * Temporal's mTLS client certificate where the environment uses it (created by the operator with
 * `kubectl create secret tls temporal-client-tls …`; the pod waits for it).
 */
function mountsOf(env: Environment, p: ProcessSpec): Array<{ volume: IVolume; mount: IVolumeMount }> {
  return [
    ...(p.name === 'sessions' ? [{ volume: { name: 'files', persistentVolumeClaim: { claimName: 'session-files' } }, mount: { name: 'files', mountPath: '/data/files' } }] : []),
    ...(usesTemporalTls(env, p) ? [{ volume: { name: 'temporal-tls', secret: { secretName: 'temporal-client-tls' } }, mount: { name: 'temporal-tls', mountPath: TEMPORAL_TLS_DIR, readOnly: true } }] : []),
  ];
}

function container(env: Environment, p: ProcessSpec): IContainer {
  const size = p.kind === 'api' ? env.api : env.worker;
  const volumeMounts = mountsOf(env, p).map((m) => m.mount);
  return {
    name: p.name,
    image: image(env, p),
    args: p.kind === 'api' ? ['src/main.ts'] : ['src/worker.ts'],
    ports: [{ name: 'http', containerPort: PORT }],
    envFrom: [{ configMapRef: { name: 'hourglass-config' } }],
    env: [
      ...envOf(p),
      ...(usesTemporalTls(env, p)
        ? [
            { name: 'TEMPORAL_TLS_CERT', value: `${TEMPORAL_TLS_DIR}/tls.crt` },
            { name: 'TEMPORAL_TLS_KEY', value: `${TEMPORAL_TLS_DIR}/tls.key` },
          ]
        : []),
    ],
    resources: { requests: { cpu: size.cpu, memory: size.memory }, limits: { cpu: size.cpuLimit, memory: size.memoryLimit } },
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 6 },
    startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
    ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
  };
}

function deployment(env: Environment, p: ProcessSpec): Deployment {
  const size = p.kind === 'api' ? env.api : env.worker;
  const volumes = mountsOf(env, p).map((m) => m.volume);
  return new Deployment({
    metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) },
    spec: {
      replicas: size.replicas,
      selector: { matchLabels: labelsOf(p.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labelsOf(p.name), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORT), 'prometheus.io/path': '/metrics' } },
        spec: {
          serviceAccountName: 'hourglass',
          // Workers drain in-flight activities and workflow tasks on SIGTERM; give them time.
          terminationGracePeriodSeconds: p.kind === 'worker' ? 60 : 30,
          containers: [container(env, p)],
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labelsOf(p.name) } }],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  });
}

function autoscaler(env: Environment, p: ProcessSpec): HorizontalPodAutoscaler {
  const size = p.kind === 'api' ? env.api : env.worker;
  return new HorizontalPodAutoscaler({
    metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: p.name },
      minReplicas: size.replicas,
      maxReplicas: size.maxReplicas,
      metrics:
        p.kind === 'api'
          ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]
          : [
              {
                // Served by a metrics adapter (e.g. prometheus-adapter or KEDA) from Temporal's
                // approximate_backlog_count for the queue; see deploy/k8s/README.md.
                type: 'External',
                external: {
                  metric: { name: 'temporal_task_queue_backlog', selector: { matchLabels: { task_queue: p.taskQueue! } } },
                  target: { type: 'AverageValue', averageValue: String(env.workerBacklogTarget) },
                },
              },
            ],
    },
  });
}

export function resources(env: Environment): Array<{ file: string; objects: Array<{ toJSON(): unknown; validate?(): void } | Record<string, unknown>> }> {
  const config = new ConfigMap({
    metadata: { name: 'hourglass-config', namespace: NAMESPACE },
    data: {
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: String(PORT),
      LOG_LEVEL: env.logLevel,
      KAFKA_BROKERS: `${KAFKA_CLUSTER}-kafka-bootstrap.${NAMESPACE}.svc:9092`,
      // The Temporal Helm chart's frontend (dev) or a Temporal Cloud endpoint with mTLS (prod); see environments.ts.
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: env.temporal.namespace,
      SESSIONS_URL: `http://sessions.${NAMESPACE}.svc`,
      BILLING_URL: `http://billing.${NAMESPACE}.svc`,
      NOTIFICATIONS_URL: `http://notifications.${NAMESPACE}.svc`,
      STRIPE_API_URL: 'https://api.stripe.com',
      FILES_DIR: '/data/files',
      PUBLIC_URL: 'https://hourglass.example.com',
    },
  });
  const processes = PROCESSES.map((p) => ({
    file: `${p.name}.yaml`,
    objects: [
      deployment(env, p),
      ...(p.kind === 'api'
        ? [new Service({ metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) }, spec: { selector: labelsOf(p.name), ports: [{ name: 'http', port: 80, targetPort: 'http' }] } })]
        : []),
      new PodDisruptionBudget({ metadata: { name: p.name, namespace: NAMESPACE }, spec: { maxUnavailable: 1, selector: { matchLabels: labelsOf(p.name) } } }),
      autoscaler(env, p),
    ],
  }));
  const migrations = new Job({
    metadata: { name: 'hourglass-migrations', namespace: NAMESPACE, labels: labelsOf('migrations'), annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
    spec: {
      backoffLimit: 6,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labelsOf('migrations') },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: 'hourglass',
          // One per database, in order; each is idempotent and takes the migration lock (processes also migrate on start).
          initContainers: (['sessions', 'billing'] as const).map((s) => ({ name: `migrate-${s}`, image: image(env, { service: s }), args: ['src/migrate.ts'], envFrom: [{ configMapRef: { name: 'hourglass-config' } }], env: envOf({ service: s, name: `${s}-migrate`, secrets: [] }) })),
          containers: [{ name: 'migrate-notifications', image: image(env, { service: 'notifications' }), args: ['src/migrate.ts'], envFrom: [{ configMapRef: { name: 'hourglass-config' } }], env: envOf({ service: 'notifications', name: 'notifications-migrate', secrets: [] }) }],
        },
      },
    },
  });
  const databases = (['sessions', 'billing', 'notifications'] as const).map(
    (s) =>
      new Cluster({
        metadata: { name: dbCluster(s), namespace: NAMESPACE },
        spec: {
          instances: env.postgres.instances,
          imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
          storage: { size: env.postgres.storage },
          bootstrap: { initdb: { database: s, owner: s } },
          postgresql: { parameters: { max_connections: '300', shared_buffers: env.name === 'prod' ? '2GB' : '256MB' } },
          monitoring: { enablePodMonitor: true },
        },
      }),
  );
  return [
    { file: 'namespace.yaml', objects: [new Namespace({ metadata: { name: NAMESPACE } }), new ServiceAccount({ metadata: { name: 'hourglass', namespace: NAMESPACE } })] },
    { file: 'config.yaml', objects: [config] },
    ...processes,
    { file: 'session-files-pvc.yaml', objects: [sessionFilesClaim(env)] },
    { file: 'migrations-job.yaml', objects: [migrations] },
    { file: 'postgres.yaml', objects: databases },
    { file: 'kafka.yaml', objects: strimziResources(env, NAMESPACE) },
  ];
}

function sessionFilesClaim(env: Environment) {
  // Shared by every sessions replica (ReadWriteMany); FILE_STORAGE=s3 removes the need for it.
  return new PersistentVolumeClaim({ metadata: { name: 'session-files', namespace: NAMESPACE }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: env.name === 'prod' ? '100Gi' : '5Gi' } } } });
}
