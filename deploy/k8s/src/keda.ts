import type { Environment } from './environments';
import { labelsOf, NAMESPACE, type ProcessSpec } from './processes';
import { SCALE_DOWN } from './workloads';

/**
 * The workers scale on their Temporal task queue's backlog: a KEDA ScaledObject per worker with KEDA's `temporal`
 * scaler (it asks Temporal's DescribeTaskQueue for the approximate backlog of workflow and activity tasks), which
 * works the same against the Helm-chart Temporal and Temporal Cloud. With mTLS (Cloud) a TriggerAuthentication
 * hands the scaler the same client certificate the workers use. KEDA owns the HPA it creates; the Deployment sets
 * no replicas.
 */
export const TEMPORAL_AUTH = 'temporal-client-tls';

export function triggerAuthentication(): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name: TEMPORAL_AUTH, namespace: NAMESPACE },
    spec: {
      secretTargetRef: [
        { parameter: 'cert', name: 'temporal-client-tls', key: 'tls.crt' },
        { parameter: 'key', name: 'temporal-client-tls', key: 'tls.key' },
      ],
    },
  };
}

export function scaledObject(env: Environment, p: ProcessSpec): Record<string, unknown> {
  if (!p.taskQueue) throw new Error(`${p.name} polls no task queue`);
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: p.name, namespace: NAMESPACE, labels: labelsOf(p.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: p.name },
      minReplicaCount: env.worker.minReplicas,
      maxReplicaCount: env.worker.maxReplicas,
      pollingInterval: 15,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: SCALE_DOWN } } },
      triggers: [
        {
          type: 'temporal',
          metadata: {
            endpoint: env.temporal.address,
            namespace: env.temporal.namespace,
            taskQueue: p.taskQueue,
            queueTypes: 'workflow,activity',
            targetQueueSize: String(env.workerBacklogTarget),
            activationTargetQueueSize: '0',
          },
          ...(env.temporal.tls ? { authenticationRef: { name: TEMPORAL_AUTH } } : {}),
        },
      ],
    },
  };
}
