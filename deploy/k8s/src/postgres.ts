import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import type { Environment } from './environments';
import { dbCluster, NAMESPACE, poolerName, SERVICES, type ServiceName } from './processes';

/**
 * PostgreSQL per service (CloudNativePG): a Cluster with sized resources and instances kept apart (required
 * anti-affinity: two instances never share a node), its WAL archived continuously and a base backup every night
 * through the Barman Cloud plugin to an S3 ObjectStore with a retention policy, and a PgBouncer Pooler in
 * transaction mode that the services' DATABASE_URL goes through (workloads.ts). See deploy/k8s/README.md for the
 * restore.
 */
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
export const objectStoreName = (s: ServiceName) => `${dbCluster(s)}-backups`;
/** Connections Postgres keeps for superusers, and what CNPG's own instance manager and replication use. */
export const RESERVED_CONNECTIONS = 3 + 10;

export function cluster(env: Environment, s: ServiceName): Cluster {
  const p = env.postgres;
  return new Cluster({
    metadata: { name: dbCluster(s), namespace: NAMESPACE },
    spec: {
      instances: p.instances,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      storage: { size: p.storage },
      resources: { requests: { cpu: p.cpu, memory: p.memory }, limits: { cpu: p.cpuLimit, memory: p.memoryLimit } },
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      bootstrap: { initdb: { database: s, owner: s } },
      postgresql: { parameters: { max_connections: String(p.maxConnections), superuser_reserved_connections: '3', shared_buffers: p.sharedBuffers } },
      // Continuous WAL archiving (point-in-time recovery) through the plugin; base backups come from ScheduledBackup.
      // (isWALArchiver is newer than the npm model's schema: kubeconform checks it against the v1.28 CRD.)
      plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName(s) } } as { name: string }],
      monitoring: { enablePodMonitor: true },
    },
  });
}

export function objectStore(env: Environment, s: ServiceName): Record<string, unknown> {
  return {
    apiVersion: 'barmancloud.cnpg.io/v1',
    kind: 'ObjectStore',
    metadata: { name: objectStoreName(s), namespace: NAMESPACE },
    spec: {
      retentionPolicy: env.backups.retention,
      configuration: {
        destinationPath: `${env.backups.destinationPath}/${dbCluster(s)}`,
        ...(env.backups.endpointURL ? { endpointURL: env.backups.endpointURL } : {}),
        // Created by you (or External Secrets): a key allowed to write this bucket prefix, nothing else.
        s3Credentials: { accessKeyId: { name: 'hourglass-backup-s3', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 'hourglass-backup-s3', key: 'ACCESS_SECRET_KEY' } },
        wal: { compression: 'gzip', maxParallel: 2 },
        data: { compression: 'gzip', jobs: 2 },
      },
    },
  };
}

export function scheduledBackup(env: Environment, s: ServiceName): Record<string, unknown> {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: { name: `${dbCluster(s)}-nightly`, namespace: NAMESPACE },
    spec: {
      schedule: env.backups.schedule,
      immediate: true,
      backupOwnerReference: 'self',
      cluster: { name: dbCluster(s) },
      method: 'plugin',
      pluginConfiguration: { name: BARMAN_PLUGIN },
    },
  };
}

export function pooler(env: Environment, s: ServiceName): Record<string, unknown> {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Pooler',
    metadata: { name: poolerName(s), namespace: NAMESPACE },
    spec: {
      cluster: { name: dbCluster(s) },
      instances: env.pooler.instances,
      type: 'rw',
      pgbouncer: {
        poolMode: 'transaction',
        parameters: {
          max_client_conn: String(env.pooler.maxClientConn),
          default_pool_size: String(env.pooler.defaultPoolSize),
          reserve_pool_size: String(env.pooler.reservePoolSize),
          // node-postgres sends unnamed prepared statements; PgBouncer keeps named ones per server connection.
          max_prepared_statements: '200',
        },
      },
      monitoring: { enablePodMonitor: true },
    },
  };
}

export function postgresResources(env: Environment): Array<Cluster | Record<string, unknown>> {
  return SERVICES.flatMap((s) => [cluster(env, s), pooler(env, s), objectStore(env, s), scheduledBackup(env, s)]);
}
