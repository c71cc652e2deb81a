import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { Environment } from './environments';
import { scaledObject, triggerAuthentication } from './keda';
import { migrationsJob } from './migrations';
import { monitoringResources } from './monitoring';
import { networkPolicies } from './network-policies';
import { restrictedNamespaceLabels } from './pod-security';
import { postgresResources } from './postgres';
import { MIGRATIONS, NAMESPACE, PORT, PROCESSES } from './processes';
import { KAFKA_BOOTSTRAP, KAFKA_TLS_PORT, strimziResources } from './strimzi';
import { cpuAutoscaler, deployment, disruptionBudget, service, serviceAccount } from './workloads';

export { NAMESPACE, PROCESSES } from './processes';

export type Manifest = { toJSON(): unknown; validate?(): void } | Record<string, unknown>;

/** Every object of an environment, by the file it is written to (deploy/k8s/<env>/<file>). */
export function resources(env: Environment): Array<{ file: string; objects: Manifest[] }> {
  const config = new ConfigMap({
    metadata: { name: 'hourglass-config', namespace: NAMESPACE },
    data: {
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: String(PORT),
      LOG_LEVEL: env.logLevel,
      KAFKA_BROKERS: `${KAFKA_BOOTSTRAP}.${NAMESPACE}.svc:${KAFKA_TLS_PORT}`,
      // Topics come from the KafkaTopic resources only: the services wait for them.
      KAFKA_TOPICS: 'wait',
      // Readiness is this pod's own state; its dependencies are watched by alerts, not by the Service.
      READINESS_SCOPE: 'local',
      // The Temporal Helm chart's frontend (dev) or a Temporal Cloud endpoint with mTLS (prod); see environments.ts.
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: env.temporal.namespace,
      SESSIONS_URL: `http://sessions.${NAMESPACE}.svc`,
      BILLING_URL: `http://billing.${NAMESPACE}.svc`,
      NOTIFICATIONS_URL: `http://notifications.${NAMESPACE}.svc`,
      STRIPE_API_URL: 'https://api.stripe.com',
      PUBLIC_URL: `https://${env.publicHost}`,
    },
  });
  const processes = PROCESSES.map((p) => ({
    file: `${p.name}.yaml`,
    objects: [
      serviceAccount(p.name),
      deployment(env, p),
      ...(p.kind === 'api' ? [service(p), cpuAutoscaler(env, p)] : [scaledObject(env, p)]),
      disruptionBudget(p),
    ],
  }));
  return [
    { file: 'namespace.yaml', objects: [new Namespace({ metadata: { name: NAMESPACE, labels: restrictedNamespaceLabels } })] },
    { file: 'config.yaml', objects: [config] },
    ...processes,
    ...(env.temporal.tls ? [{ file: 'temporal-auth.yaml', objects: [triggerAuthentication()] }] : []),
    ...(env.files.storage === 'local' ? [{ file: 'session-files-pvc.yaml', objects: [sessionFilesClaim(env.files.claimSize)] }] : []),
    { file: 'migrations-job.yaml', objects: [serviceAccount(MIGRATIONS), migrationsJob(env)] },
    { file: 'postgres.yaml', objects: postgresResources(env) },
    { file: 'kafka.yaml', objects: strimziResources(env, NAMESPACE) },
    { file: 'network-policies.yaml', objects: networkPolicies(env) },
    { file: 'monitoring.yaml', objects: monitoringResources() },
  ];
}

function sessionFilesClaim(size: string) {
  // Shared by every sessions replica (ReadWriteMany); prod keeps the files in S3 instead (FILE_STORAGE=s3).
  return new PersistentVolumeClaim({ metadata: { name: 'session-files', namespace: NAMESPACE }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: size } } } });
}
