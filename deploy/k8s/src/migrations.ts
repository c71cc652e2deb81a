import { Job } from 'kubernetes-models/batch/v1/Job';
import type { Environment } from './environments';
import { containerSecurityContext, podSecurityContext } from './pod-security';
import { dbCluster, labelsOf, MIGRATIONS, NAMESPACE, SERVICES } from './processes';
import { image, tmpVolume } from './workloads';

/**
 * The migration Job: `dist/migrate.js` of each service in turn (idempotent, under node-pg-migrate's lock; every
 * process also migrates on start), straight to each primary (CNPG's `uri`, not the pooler: the lock needs a
 * session). Restricted like every pod; given up after 10 minutes rather than retried for ever.
 */
export const MIGRATION_DEADLINE_SECONDS = 600;

export function migrationsJob(env: Environment): Job {
  const step = (s: (typeof SERVICES)[number]) => ({
    name: `migrate-${s}`,
    image: image(env, s),
    imagePullPolicy: 'Always' as const,
    args: ['dist/migrate.js'],
    envFrom: [{ configMapRef: { name: 'hourglass-config' } }],
    env: [
      { name: 'SERVICE_NAME', value: `${s}-migrate` },
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${dbCluster(s)}-app`, key: 'uri' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '256Mi' } },
    securityContext: containerSecurityContext,
    volumeMounts: [tmpVolume.mount],
  });
  const steps = SERVICES.map(step);
  return new Job({
    metadata: { name: MIGRATIONS, namespace: NAMESPACE, labels: labelsOf(MIGRATIONS), annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: MIGRATION_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labelsOf(MIGRATIONS) },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: MIGRATIONS,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          initContainers: steps.slice(0, -1),
          containers: steps.slice(-1),
          volumes: [tmpVolume.volume],
        },
      },
    },
  });
}
