/**
 * The two environments. Everything else is the base (the other modules of src/): an environment only says how big,
 * how many, and where the outside things are (Temporal, object storage, the public host).
 */
export interface Size {
  cpu: string;
  memory: string;
  cpuLimit: string;
  memoryLimit: string;
}

export interface Environment {
  name: 'dev' | 'prod';
  imageTag: string;
  /** Autoscaling bounds (the HPA / ScaledObject owns the replica count; Deployments set none) and sizes. */
  api: Size & { minReplicas: number; maxReplicas: number };
  worker: Size & { minReplicas: number; maxReplicas: number };
  /** Task-queue backlog per worker replica the worker autoscaler (KEDA's temporal scaler) aims for. */
  workerBacklogTarget: number;
  /** Each process's main pool (DATABASE_POOL_MAX): PgBouncer client connections. */
  databasePoolMax: number;
  postgres: Size & { instances: number; storage: string; maxConnections: number; sharedBuffers: string };
  /** One PgBouncer Pooler (transaction mode) per database. */
  pooler: { instances: number; defaultPoolSize: number; reservePoolSize: number; maxClientConn: number };
  /** WAL archiving and base backups (Barman Cloud plugin) to an S3 bucket; retention of both. */
  backups: { destinationPath: string; endpointURL?: string; retention: string; schedule: string };
  kafka: {
    controllers: Size & { replicas: number; storage: string };
    brokers: Size & { replicas: number; storage: string };
    partitions: number;
    replicationFactor: number;
    minInsync: number;
  };
  logLevel: string;
  /**
   * Where Temporal is. `tls` mounts the `temporal-client-tls` secret (kubernetes.io/tls) into every process that
   * talks to Temporal and points TEMPORAL_TLS_CERT/KEY at it: Temporal Cloud requires mTLS. `inCluster`: the Helm
   * chart's frontend in namespace `temporal` (NetworkPolicy egress to that namespace) rather than an address outside.
   */
  temporal: { address: string; namespace: string; tls: boolean; inCluster: boolean };
  /** Session files: a ReadWriteMany claim (`local`) or an S3 bucket (`s3`: several replicas, nothing shared on disk). */
  files: { storage: 'local'; claimSize: string } | { storage: 's3'; endpoint: string; bucket: string; region: string; forcePathStyle: boolean };
  /** The public host of the Ingress overlay (<env>-ingress/). */
  publicHost: string;
}

export const environments: Environment[] = [
  {
    name: 'dev',
    imageTag: 'dev',
    api: { minReplicas: 2, maxReplicas: 3, cpu: '100m', memory: '256Mi', cpuLimit: '1', memoryLimit: '512Mi' },
    worker: { minReplicas: 1, maxReplicas: 2, cpu: '100m', memory: '384Mi', cpuLimit: '1', memoryLimit: '768Mi' },
    workerBacklogTarget: 100,
    databasePoolMax: 10,
    postgres: { instances: 1, storage: '5Gi', maxConnections: 100, sharedBuffers: '256MB', cpu: '250m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' },
    pooler: { instances: 1, defaultPoolSize: 10, reservePoolSize: 2, maxClientConn: 200 },
    backups: { destinationPath: 's3://hourglass-backups/dev', retention: '7d', schedule: '0 0 3 * * *' },
    kafka: {
      controllers: { replicas: 1, storage: '2Gi', cpu: '100m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      brokers: { replicas: 1, storage: '10Gi', cpu: '250m', memory: '1Gi', cpuLimit: '1', memoryLimit: '2Gi' },
      partitions: 3,
      replicationFactor: 1,
      minInsync: 1,
    },
    logLevel: 'debug',
    // The Temporal Helm chart inside the cluster, plain gRPC.
    temporal: { address: 'temporal-frontend.temporal.svc:7233', namespace: 'hourglass', tls: false, inCluster: true },
    files: { storage: 'local', claimSize: '5Gi' },
    publicHost: 'hourglass.dev.example.com',
  },
  {
    name: 'prod',
    imageTag: '0.1.0',
    api: { minReplicas: 3, maxReplicas: 20, cpu: '500m', memory: '512Mi', cpuLimit: '2', memoryLimit: '1Gi' },
    worker: { minReplicas: 3, maxReplicas: 30, cpu: '1', memory: '1Gi', cpuLimit: '2', memoryLimit: '2Gi' },
    workerBacklogTarget: 50,
    databasePoolMax: 10,
    postgres: { instances: 3, storage: '100Gi', maxConnections: 300, sharedBuffers: '2GB', cpu: '2', memory: '8Gi', cpuLimit: '4', memoryLimit: '8Gi' },
    pooler: { instances: 2, defaultPoolSize: 40, reservePoolSize: 10, maxClientConn: 1000 },
    backups: { destinationPath: 's3://hourglass-backups/prod', retention: '30d', schedule: '0 0 3 * * *' },
    kafka: {
      controllers: { replicas: 3, storage: '20Gi', cpu: '500m', memory: '2Gi', cpuLimit: '1', memoryLimit: '2Gi' },
      brokers: { replicas: 3, storage: '200Gi', cpu: '2', memory: '8Gi', cpuLimit: '4', memoryLimit: '8Gi' },
      partitions: 24,
      replicationFactor: 3,
      minInsync: 2,
    },
    logLevel: 'info',
    // Temporal Cloud (replace `example` with your account id), mTLS with the client certificate in temporal-client-tls.
    temporal: { address: 'hourglass.example.tmprl.cloud:7233', namespace: 'hourglass.example', tls: true, inCluster: false },
    files: { storage: 's3', endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'hourglass-session-files', region: 'eu-west-1', forcePathStyle: false },
    publicHost: 'hourglass.example.com',
  },
];
