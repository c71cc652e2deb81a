/**
 * Connections per database at the autoscalers' maximum, from the manifests as written (not from the inputs that
 * produced them), against what the Pooler and Postgres accept:
 *
 * - clients of the Pooler: every process of the service at its maximum replicas × its main pool (DATABASE_POOL_MAX)
 *   must fit the Pooler's instances × max_client_conn;
 * - connections to Postgres: the Pooler's instances × (default_pool_size + reserve_pool_size), plus the direct ones
 *   (each replica's direct pool, DATABASE_DIRECT_POOL_MAX, and one migration connection per replica starting at
 *   once), plus the reserved ones, must fit max_connections.
 */
import { RESERVED_CONNECTIONS } from './postgres';

type Doc = Record<string, any>;

export interface DatabaseBudget {
  database: string;
  clients: number;
  clientCapacity: number;
  server: number;
  maxConnections: number;
  /** What each process contributes at its maximum replicas. */
  detail: string[];
}

const envValue = (container: Doc, name: string): string | undefined => container.env?.find((e: Doc) => e.name === name)?.value;

function maxReplicasOf(docs: Doc[], deployment: string): number {
  const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.spec.scaleTargetRef.name === deployment);
  if (hpa) return hpa.spec.maxReplicas;
  const so = docs.find((d) => d.kind === 'ScaledObject' && d.spec.scaleTargetRef.name === deployment);
  if (so) return so.spec.maxReplicaCount;
  const d = docs.find((x) => x.kind === 'Deployment' && x.metadata.name === deployment);
  if (d?.spec.replicas === undefined) throw new Error(`${deployment}: no autoscaler and no replicas`);
  return d.spec.replicas;
}

export function connectionBudgets(docs: Doc[]): DatabaseBudget[] {
  return docs
    .filter((d) => d.kind === 'Cluster')
    .map((c) => {
      const database = c.metadata.name as string;
      const pooler = docs.find((d) => d.kind === 'Pooler' && d.spec.cluster.name === database);
      if (!pooler) throw new Error(`${database}: no Pooler`);
      const params = pooler.spec.pgbouncer.parameters;
      const detail: string[] = [];
      let clients = 0;
      let direct = 0;
      for (const d of docs.filter((x) => x.kind === 'Deployment')) {
        const container = d.spec.template.spec.containers[0];
        const url = envValue(container, 'DATABASE_URL') ?? '';
        if (!url.includes(`@${pooler.metadata.name}.`)) continue;
        const replicas = maxReplicasOf(docs, d.metadata.name);
        const poolMax = Number(envValue(container, 'DATABASE_POOL_MAX') ?? 10);
        const directMax = container.env.some((e: Doc) => e.name === 'DATABASE_DIRECT_POOL_MAX') ? Number(envValue(container, 'DATABASE_DIRECT_POOL_MAX')) : 0;
        clients += replicas * poolMax;
        direct += replicas * (directMax + 1);
        detail.push(`${d.metadata.name}: ${replicas} × (${poolMax} pooled + ${directMax} direct + 1 migrating)`);
      }
      const server = pooler.spec.instances * (Number(params.default_pool_size) + Number(params.reserve_pool_size)) + direct + RESERVED_CONNECTIONS;
      return { database, clients, clientCapacity: pooler.spec.instances * Number(params.max_client_conn), server, maxConnections: Number(c.spec.postgresql.parameters.max_connections), detail };
    });
}

/** One line per database over budget; [] when every one fits. */
export function budgetProblems(docs: Doc[]): string[] {
  return connectionBudgets(docs).flatMap((b) => [
    ...(b.clients > b.clientCapacity ? [`${b.database}: ${b.clients} pooled clients at maximum scale > the Pooler's ${b.clientCapacity} (${b.detail.join('; ')})`] : []),
    ...(b.server > b.maxConnections ? [`${b.database}: ${b.server} connections to Postgres at maximum scale > max_connections ${b.maxConnections} (${b.detail.join('; ')})`] : []),
  ]);
}
