import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cacheDir } from './cache';
import { UsageError } from './errors';
import { findFreePorts, parsePort, type NamedPort } from './ports';
import { SERVICES, selectInstances, serviceInstances, type ServiceInstance, type SkippedService } from './services';

/**
 * Everything that differs between `npm start` (fixed ports, state kept in `.hourglass/`) and `npm test` (free
 * ports, a fresh temp dir, a random JWT secret), resolved once from the environment.
 */

export type Mode = 'start' | 'test';

export const INFRA_PORTS = {
  postgres: { name: 'postgres', env: 'HOURGLASS_PG_PORT', port: 5433 },
  kafka: { name: 'kafka', env: 'HOURGLASS_KAFKA_PORT', port: 9092 },
  kafkaController: { name: 'kafka controller', env: 'HOURGLASS_KAFKA_CONTROLLER_PORT', port: 9093 },
  temporal: { name: 'temporal', env: 'HOURGLASS_TEMPORAL_PORT', port: 7233 },
  temporalUi: { name: 'temporal UI', env: 'HOURGLASS_TEMPORAL_UI_PORT', port: 8233 },
  stripe: { name: 'stripe-mock', env: 'HOURGLASS_STRIPE_PORT', port: 12111 },
  stripeHttps: { name: 'stripe-mock https', env: 'HOURGLASS_STRIPE_HTTPS_PORT', port: 12112 },
  smtp: { name: 'mail sink', env: 'HOURGLASS_SMTP_PORT', port: 1025 },
} as const;

/** With replicas, an API's load balancer listens on its port + 80 under `npm start` (sessions 4081, billing 4082…). */
export const BALANCER_PORT_OFFSET = 80;
export const balancerPortEnvName = (service: string) => `HOURGLASS_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_LB_PORT`;

export type InfraPortKey = keyof typeof INFRA_PORTS;

export const DEV_JWT_SECRET = 'hourglass-dev-secret';

export interface StackSettings {
  mode: Mode;
  repoRoot: string;
  cacheDir: string;
  /** All state: Postgres cluster, Kafka log dirs, Temporal SQLite file, logs, pid files. */
  dataDir: string;
  logDir: string;
  runDir: string;
  /** Interface the infrastructure binds to and URLs use. */
  host: string;
  infraPorts: Record<InfraPortKey, number>;
  /** Port of each service instance, by instance name. */
  servicePorts: Record<string, number>;
  /** With replicas: the port of each API's load balancer (balancer.ts), by service name; its URL is the API's URL. */
  balancerPorts: Record<string, number>;
  /** Every service instance (ports and URLs exist for all of them)… */
  instances: ServiceInstance[];
  /** …and the ones to start (HOURGLASS_SERVICES). */
  selected: ServiceInstance[];
  deselected: SkippedService[];
  jwtSecret: string;
  nodeEnv: 'development' | 'test';
  logLevel: string;
  temporalNamespace: string;
  /** Serve Temporal's Web UI (not under test: saves memory and startup time). */
  temporalUi: boolean;
  postgres: { user: string; password: string; durable: boolean };
}

export interface ResolveOptions {
  mode: Mode;
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  /** For `test`: the fresh temp dir. */
  dataDir?: string;
}

export async function resolveSettings(o: ResolveOptions): Promise<StackSettings> {
  const env = o.env ?? process.env;
  // HOURGLASS_REPLICAS (or `npm start -- --replicas N`): N copies of every service and worker, on distinct ports.
  const replicas = env.HOURGLASS_REPLICAS ? Number(env.HOURGLASS_REPLICAS) : 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new UsageError(`HOURGLASS_REPLICAS must be 1–5, not ${env.HOURGLASS_REPLICAS}`);
  const instances = serviceInstances(SERVICES.map((spec) => ({ ...spec, replicas })));
  const { selected, skipped: deselected } = selectInstances(instances, env.HOURGLASS_SERVICES);
  const infraKeys = Object.keys(INFRA_PORTS) as InfraPortKey[];
  const infraPorts = {} as Record<InfraPortKey, number>;
  const servicePorts: Record<string, number> = {};
  const balancerPorts: Record<string, number> = {};
  const balanced = replicas > 1 ? SERVICES.filter((spec) => spec.api) : [];

  if (o.mode === 'test') {
    const free = await findFreePorts(infraKeys.length + instances.length + balanced.length);
    infraKeys.forEach((k, i) => (infraPorts[k] = free[i]!));
    instances.forEach((s, i) => (servicePorts[s.name] = free[infraKeys.length + i]!));
    balanced.forEach((spec, i) => (balancerPorts[spec.name] = free[infraKeys.length + instances.length + i]!));
  } else {
    for (const k of infraKeys) infraPorts[k] = parsePort(env[INFRA_PORTS[k].env], INFRA_PORTS[k].env) ?? INFRA_PORTS[k].port;
    for (const s of instances) servicePorts[s.name] = parsePort(env[s.portEnv], s.portEnv) ?? s.defaultPort;
    for (const spec of balanced) {
      const name = balancerPortEnvName(spec.name);
      balancerPorts[spec.name] = parsePort(env[name], name) ?? spec.port + BALANCER_PORT_OFFSET;
    }
  }

  const dataDir = o.dataDir ?? (env.HOURGLASS_DATA_DIR ? path.resolve(env.HOURGLASS_DATA_DIR) : path.join(o.repoRoot, '.hourglass'));
  return {
    mode: o.mode,
    repoRoot: o.repoRoot,
    cacheDir: cacheDir(env),
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    runDir: path.join(dataDir, 'run'),
    host: '127.0.0.1',
    infraPorts,
    servicePorts,
    balancerPorts,
    instances,
    selected,
    deselected,
    jwtSecret: o.mode === 'test' ? randomBytes(32).toString('hex') : env.JWT_SECRET || DEV_JWT_SECRET,
    nodeEnv: o.mode === 'test' ? 'test' : 'development',
    logLevel: env.LOG_LEVEL || 'info',
    temporalNamespace: 'default',
    // Tests use the Web UI too: the operators' console links into it (and a browser test opens a link).
    temporalUi: true,
    postgres: { user: 'postgres', password: 'postgres', durable: o.mode === 'start' },
  };
}

/** Every port the stack will bind, named, for the "already in use" check. */
export function namedPorts(s: StackSettings): NamedPort[] {
  const infra = (Object.keys(INFRA_PORTS) as InfraPortKey[])
    .filter((k) => k !== 'temporalUi' || s.temporalUi)
    .map((k) => ({ name: INFRA_PORTS[k].name, port: s.infraPorts[k], env: s.mode === 'start' ? INFRA_PORTS[k].env : undefined }));
  const services = s.selected.map((i) => ({ name: i.name, port: s.servicePorts[i.name]!, env: s.mode === 'start' ? i.portEnv : undefined }));
  const balancers = Object.entries(s.balancerPorts).map(([name, port]) => ({ name: `${name} load balancer`, port, env: s.mode === 'start' ? balancerPortEnvName(name) : undefined }));
  return [...infra, ...services, ...balancers];
}
