import { existsSync } from 'node:fs';
import path from 'node:path';
import { asComponentError, UsageError } from './errors';
import { ok, warn } from './output';
import { reapStale, startProcess } from './process';
import { httpOk, waitUntil } from './wait';
import type { Running } from './components/types';
import { webhookSecrets } from './webhook-secrets';

/** The Hourglass processes, started after the infrastructure. Add a process here and nowhere else. */

export type Database = 'sessions' | 'billing' | 'notifications';
export const DATABASES: readonly Database[] = ['sessions', 'billing', 'notifications'];

export interface ServiceSpec {
  /** Process name: SERVICE_NAME, log file `<name>.log`, port variable `HOURGLASS_<NAME>_PORT`. */
  name: string;
  /** Workspace directory (the process's cwd), relative to the repo root. */
  workspace: string;
  /** Entry file, relative to the workspace. */
  entry: string;
  /** Port under `npm start` (replica i listens on port + 100·i). */
  port: number;
  /** The database it gets as DATABASE_URL: its own service's. */
  database: Database;
  /** A public API: its URL is handed to every process as `<NAME>_URL` and to tests as `HOURGLASS_<NAME>_URL`. */
  api?: boolean;
  /** How many copies to run (default 1). With more than one, an API's URL is its load balancer's (balancer.ts). */
  replicas?: number;
}

export const SERVICES: readonly ServiceSpec[] = [
  { name: 'billing', workspace: 'services/billing', entry: 'src/main.ts', port: 4002, database: 'billing', api: true },
  { name: 'billing-worker', workspace: 'services/billing', entry: 'src/worker.ts', port: 4012, database: 'billing' },
  { name: 'sessions', workspace: 'services/sessions', entry: 'src/main.ts', port: 4001, database: 'sessions', api: true },
  { name: 'sessions-worker', workspace: 'services/sessions', entry: 'src/worker.ts', port: 4011, database: 'sessions' },
  { name: 'notifications', workspace: 'services/notifications', entry: 'src/main.ts', port: 4003, database: 'notifications', api: true },
];

export interface ServiceInstance {
  /** `billing` for the first replica, `billing-2`, `billing-3`… for the others. */
  name: string;
  spec: ServiceSpec;
  replica: number;
  defaultPort: number;
  /** Variable that overrides the port under `npm start`. */
  portEnv: string;
}

export function portEnvName(name: string): string {
  return `HOURGLASS_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

export function serviceInstances(specs: readonly ServiceSpec[] = SERVICES): ServiceInstance[] {
  return specs.flatMap((spec) =>
    Array.from({ length: Math.max(1, spec.replicas ?? 1) }, (_, replica) => {
      const name = replica === 0 ? spec.name : `${spec.name}-${replica + 1}`;
      return { name, spec, replica, defaultPort: spec.port + 100 * replica, portEnv: portEnvName(name) };
    }),
  );
}

/** Variable carrying an API's URL, e.g. SESSIONS_URL. */
export function urlEnvName(spec: ServiceSpec): string {
  return `${spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

/** What every service process is wired to. */
export interface ServiceWiring {
  nodeEnv: string;
  logLevel: string;
  jwtSecret: string;
  databaseUrls: Record<Database, string>;
  kafkaBrokers: string;
  temporalAddress: string;
  temporalNamespace: string;
  stripeApiUrl: string;
  /** `SESSIONS_URL` → `http://127.0.0.1:4001`, one per API. */
  apiUrls: Record<string, string>;
  /** Session files (local-disk storage), shared by every sessions replica; survives restarts under `npm start`. */
  filesDir: string;
  /** The Temporal Web UI, for the operators' console's workflow links (when it runs). */
  temporalUiUrl?: string;
  /** Where email goes: the dev mail sink (unless SMTP_URL was set for the launcher). */
  smtpUrl?: string;
  /** The workflow code bundled once for every sessions worker (WORKFLOW_BUNDLE). */
  workflowBundle?: string;
}

/** Each API's published URL: its load balancer's when it has one (replicas), else its only instance's. */
export function apiUrls(
  instances: readonly ServiceInstance[],
  ports: Readonly<Record<string, number>>,
  host: string,
  balancerPorts: Readonly<Record<string, number>> = {},
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const i of instances) if (i.spec.api && i.replica === 0) urls[urlEnvName(i.spec)] = `http://${host}:${balancerPorts[i.spec.name] ?? ports[i.name]}`;
  return urls;
}

/** The environment of one service process (on top of the inherited one). */
export function serviceEnv(instance: ServiceInstance, port: number, w: ServiceWiring): Record<string, string> {
  return {
    PORT: String(port),
    SERVICE_NAME: instance.spec.name,
    DATABASE_URL: w.databaseUrls[instance.spec.database],
    KAFKA_BROKERS: w.kafkaBrokers,
    TEMPORAL_ADDRESS: w.temporalAddress,
    TEMPORAL_NAMESPACE: w.temporalNamespace,
    JWT_SECRET: w.jwtSecret,
    LOG_LEVEL: w.logLevel,
    STRIPE_API_URL: w.stripeApiUrl,
    NODE_ENV: w.nodeEnv,
    FILES_DIR: w.filesDir,
    ...(w.temporalUiUrl ? { TEMPORAL_UI_URL: w.temporalUiUrl } : {}),
    ...(w.smtpUrl ? { SMTP_URL: w.smtpUrl } : {}),
    ...(w.workflowBundle ? { WORKFLOW_BUNDLE: w.workflowBundle } : {}),
    ...webhookSecrets(w.jwtSecret),
    ...w.apiUrls,
    // What users reach: the sessions API's published URL (its load balancer's with replicas). Download links and
    // Checkout's return links are built on it.
    ...(w.apiUrls.SESSIONS_URL ? { PUBLIC_URL: w.apiUrls.SESSIONS_URL } : {}),
  };
}

export interface RunningService extends Running {
  instance: ServiceInstance;
  port: number;
  url: string;
}

export interface StartServicesOptions {
  repoRoot: string;
  host: string;
  logDir: string;
  runDir: string;
  ports: Readonly<Record<string, number>>;
  wiring: ServiceWiring;
  instances?: readonly ServiceInstance[];
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface SkippedService {
  instance: ServiceInstance;
  reason: string;
}

export interface StartedServices {
  running: RunningService[];
  /** Instances not started: entry file missing (yet), or not selected with HOURGLASS_SERVICES. */
  skipped: SkippedService[];
}

/**
 * The instances selected by HOURGLASS_SERVICES (comma-separated process names, `none` for infrastructure only);
 * all when unset.
 */
export function selectInstances(all: readonly ServiceInstance[], selection: string | undefined): { selected: ServiceInstance[]; skipped: SkippedService[] } {
  if (selection === undefined || selection.trim() === '' || selection.trim() === 'all') return { selected: [...all], skipped: [] };
  const wanted = new Set(selection.split(',').map((n) => n.trim()).filter((n) => n && n !== 'none'));
  const known = new Set(all.flatMap((i) => [i.name, i.spec.name]));
  const unknown = [...wanted].filter((n) => !known.has(n));
  if (unknown.length) throw new UsageError(`HOURGLASS_SERVICES names unknown process(es) ${unknown.join(', ')}; known: ${[...new Set(all.map((i) => i.spec.name))].join(', ')}`);
  const selected = all.filter((i) => wanted.has(i.name) || wanted.has(i.spec.name));
  const skipped = all.filter((i) => !selected.includes(i)).map((instance) => ({ instance, reason: 'not selected (HOURGLASS_SERVICES)' }));
  return { selected, skipped };
}

/**
 * HOURGLASS_PROFILE=sessions,sessions-worker: those processes run with V8's CPU profiler and write .cpuprofile files into
 * <logs>/profiles/<process> when they stop (open it in Chrome DevTools) — to see where a benchmark's CPU goes.
 */
export function profileArgs(name: string, logDir: string, selection = process.env.HOURGLASS_PROFILE): string[] {
  const wanted = (selection ?? '').split(',').map((n) => n.trim());
  // A directory per process: its main thread and its module-loader thread each write a profile there.
  return wanted.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, 'profiles', name)}`] : [];
}

/**
 * Starts every service whose entry file exists, all at once, and waits for each `GET /readyz` to answer 200.
 * When one fails, the others are stopped and the error names it.
 */
export async function startServices(o: StartServicesOptions): Promise<StartedServices> {
  const instances = o.instances ?? serviceInstances();
  const running: RunningService[] = [];
  const skipped: SkippedService[] = [];
  for (const instance of instances) {
    const cwd = path.join(o.repoRoot, instance.spec.workspace);
    const entry = path.join(cwd, instance.spec.entry);
    if (!existsSync(entry)) {
      const reason = `${path.relative(o.repoRoot, entry)} does not exist yet`;
      warn(`${instance.name} skipped: ${reason}`);
      skipped.push({ instance, reason });
      continue;
    }
    const port = o.ports[instance.name];
    if (port === undefined) throw new Error(`no port assigned to ${instance.name}`);
    const logFile = path.join(o.logDir, `${instance.name}.log`);
    const pidFile = path.join(o.runDir, `${instance.name}.pid`);
    await reapStale(pidFile);
    const proc = startProcess({
      name: instance.name,
      command: process.execPath,
      args: [...profileArgs(instance.name, o.logDir), '--import', 'tsx', entry],
      cwd,
      env: { ...process.env, ...serviceEnv(instance, port, o.wiring) },
      logFile,
      stopTimeoutMs: 10_000,
      pidFile,
    });
    running.push({ name: instance.name, logFile, process: proc, stop: proc.stop, instance, port, url: `http://${o.host}:${port}` });
  }

  const started = Date.now();
  const results = await Promise.allSettled(
    running.map(async (s) => {
      await waitUntil(s.name, 'ready (GET /readyz)', () => httpOk(`${s.url}/readyz`), {
        // Generous: on a loaded 2-core machine Kafka's group coordinator alone can take a minute to load.
        timeoutMs: o.readyTimeoutMs ?? 150_000,
        intervalMs: 250,
        process: s.process,
        signal: o.signal,
      });
      ok(`${s.name} ready on ${s.url}`, started);
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    const index = results.indexOf(failure);
    await Promise.all(running.map((s) => s.stop()));
    throw asComponentError(running[index]!.name, failure.reason, running[index]!.logFile);
  }
  return { running, skipped };
}
