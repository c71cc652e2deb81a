/**
 * The two overlays. Everything else is the base (src/resources.ts): an environment only says how big and how many.
 */
export interface Environment {
  name: 'dev' | 'prod';
  imageTag: string;
  api: { replicas: number; maxReplicas: number; cpu: string; memory: string; cpuLimit: string; memoryLimit: string };
  worker: { replicas: number; maxReplicas: number; cpu: string; memory: string; cpuLimit: string; memoryLimit: string };
  /** Task-queue backlog per worker replica the HPA aims for. */
  workerBacklogTarget: number;
  postgres: { instances: number; storage: string };
  kafka: { replicas: number; storage: string; partitions: number; replicationFactor: number; minInsync: number };
  logLevel: string;
  /**
   * Where Temporal is. `tls` mounts the `temporal-client-tls` secret (kubernetes.io/tls) into every process that
   * talks to Temporal and points TEMPORAL_TLS_CERT/KEY at it: Temporal Cloud requires mTLS.
   */
  temporal: { address: string; namespace: string; tls: boolean };
}

export const environments: Environment[] = [
  {
    name: 'dev',
    imageTag: 'dev',
    api: { replicas: 1, maxReplicas: 2, cpu: '100m', memory: '256Mi', cpuLimit: '1', memoryLimit: '512Mi' },
    worker: { replicas: 1, maxReplicas: 2, cpu: '100m', memory: '384Mi', cpuLimit: '1', memoryLimit: '768Mi' },
    workerBacklogTarget: 100,
    postgres: { instances: 1, storage: '5Gi' },
    kafka: { replicas: 1, storage: '10Gi', partitions: 3, replicationFactor: 1, minInsync: 1 },
    logLevel: 'debug',
    // The Temporal Helm chart inside the cluster, plain gRPC.
    temporal: { address: 'temporal-frontend.temporal.svc:7233', namespace: 'hourglass', tls: false },
  },
  {
    name: 'prod',
    imageTag: '0.1.0',
    api: { replicas: 3, maxReplicas: 20, cpu: '500m', memory: '512Mi', cpuLimit: '2', memoryLimit: '1Gi' },
    worker: { replicas: 3, maxReplicas: 30, cpu: '1', memory: '1Gi', cpuLimit: '2', memoryLimit: '2Gi' },
    workerBacklogTarget: 50,
    postgres: { instances: 3, storage: '100Gi' },
    kafka: { replicas: 3, storage: '200Gi', partitions: 24, replicationFactor: 3, minInsync: 2 },
    logLevel: 'info',
    // Temporal Cloud (replace `example` with your account id), mTLS with the client certificate in temporal-client-tls.
    temporal: { address: 'hourglass.example.tmprl.cloud:7233', namespace: 'hourglass.example', tls: true },
  },
];
