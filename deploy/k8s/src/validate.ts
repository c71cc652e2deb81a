import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Pooler } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler';
import { ScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { validateStrimzi } from './strimzi';

type Model = { validate(): void };
const models: Record<string, new (data: any) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'postgresql.cnpg.io/v1/Cluster': Cluster,
  'postgresql.cnpg.io/v1/Pooler': Pooler,
  'postgresql.cnpg.io/v1/ScheduledBackup': ScheduledBackup,
};

/**
 * Kinds no npm package ships a model for: checked against their real CRDs by kubeconform (src/kubeconform.ts, part
 * of `npm test`), here only for the fields every object has.
 */
export const CRD_ONLY = new Set(['barmancloud.cnpg.io/v1/ObjectStore', 'keda.sh/v1alpha1/ScaledObject', 'keda.sh/v1alpha1/TriggerAuthentication', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule']);

/**
 * Validates one manifest document against its schema: Kubernetes' own (kubernetes-models ships the API's OpenAPI
 * schemas), CloudNativePG's CRD (from @kubernetes-models/cloudnative-pg), Strimzi's (src/strimzi.ts). A kind with no
 * schema is an error, so nothing is written unchecked.
 */
export function validateManifest(doc: { apiVersion?: string; kind?: string; metadata?: { name?: string }; [field: string]: unknown }): void {
  const id = `${doc.apiVersion}/${doc.kind}`;
  const where = `${doc.kind} ${doc.metadata?.name ?? '?'}`;
  try {
    if (doc.apiVersion === 'kafka.strimzi.io/v1beta2') return validateStrimzi(doc as { kind: string });
    if (CRD_ONLY.has(id)) {
      if (!doc.metadata?.name || typeof doc.spec !== 'object') throw new Error('metadata.name and spec are required');
      return;
    }
    const Model = models[id];
    if (!Model) throw new Error(`no schema known for ${id}`);
    new Model(doc).validate();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
