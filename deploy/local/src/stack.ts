import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { installChromium } from './components/chromium';
import { installKafka, startKafka, type RunningKafka } from './components/kafka';
import { startBalancer, type RunningBalancer } from './balancer';
import { startMailSink, type RunningMailSink } from './components/mail-sink';
import { installPostgres, startPostgres, type PostgresBinaries, type RunningPostgres } from './components/postgres';
import { installStripeMock, startStripeMock, type RunningStripeMock } from './components/stripe-mock';
import { installTemporal, startTemporal, type RunningTemporal } from './components/temporal';
import { installTemporalTestServer } from './components/temporal-test-server';
import type { Running, StartContext } from './components/types';
import { AbortedError, asComponentError, ComponentError, UsageError } from './errors';
import { fail, ok, printTail, seconds, warn } from './output';
import { assertPortsFree } from './ports';
import { reapStale, type ManagedProcess } from './process';
import { apiUrls, DATABASES, startServices, urlEnvName, type Database, type RunningService, type SkippedService } from './services';
import { namedPorts, type StackSettings } from './settings';
import { createSupervisor, type SupervisorReport } from './supervisor';
import { webhookSecrets } from './webhook-secrets';
import { buildWorkflowBundle } from './workflow-bundle';

/** Installs and starts the whole stack: infrastructure first (in parallel), then the services. */

export interface Installed {
  postgres: PostgresBinaries;
  kafkaLibs: string;
  temporal: string;
  temporalTestServer: string;
  stripeMock: string;
  /** Chromium for browser tests; only installed for `npm test`. */
  chromium?: string;
}

/** Installs whatever is missing from the cache (in parallel); one line when everything was already there. */
export async function installAll(cache: string, { browser = false }: { browser?: boolean } = {}): Promise<Installed> {
  const started = Date.now();
  const [postgres, kafkaLibs, temporal, temporalTestServer, stripeMock, chromium] = await Promise.all([
    installPostgres(),
    installKafka(cache),
    installTemporal(cache),
    installTemporalTestServer(cache),
    installStripeMock(cache),
    browser ? installChromium(cache) : Promise.resolve(undefined),
  ]);
  ok(`tools ready in ${cache}`, started);
  return { postgres, kafkaLibs, temporal, temporalTestServer, stripeMock, chromium };
}

export interface Stack {
  settings: StackSettings;
  installed: Installed;
  postgres: RunningPostgres;
  kafka: RunningKafka;
  temporal: RunningTemporal;
  stripeMock: RunningStripeMock;
  services: RunningService[];
  /** Services not started: entry file missing, or not selected with HOURGLASS_SERVICES. */
  skipped: SkippedService[];
  databaseUrls: Record<Database, string>;
  /** `SESSIONS_URL` → URL, one per API (also for skipped ones). */
  apiUrls: Record<string, string>;
  /** The HOURGLASS_* variables tests read (ARCHITECTURE.md, "Test environment"), plus HOURGLASS_LOG_DIR. */
  testEnv: Record<string, string>;
  /** The dev mail sink, when SMTP_URL was not given. */
  mail: RunningMailSink | null;
  /** With replicas: one load balancer per API, at the API's published URL. */
  balancers: RunningBalancer[];
  /** Every log file, by process name. */
  logFiles: { name: string; file: string }[];
  /** Stops everything in reverse order: services, stripe-mock, Temporal, Kafka, Postgres. Idempotent. */
  stop(): Promise<void>;
  /**
   * Fault drills: takes one component down — `postgres`, `kafka`, `temporal`, `stripe-mock` or a service instance
   * (`sessions`, `billing-worker`, …) — gracefully, or at once with SIGKILL to its process group (a crash). It stays
   * down until startComponent: a component taken down this way is not restarted by the supervisor. The fields above
   * always name the current process.
   */
  stopComponent(name: string, how?: 'graceful' | 'SIGKILL'): Promise<void>;
  /** Starts a component again with the same ports, data directory and wiring; resolves when it is ready. */
  startComponent(name: string): Promise<void>;
}

export interface StartStackOptions {
  signal?: AbortSignal;
  /** Called with the failure before the components already up are stopped (so it is reported first). */
  onFailure?: (e: Error) => void;
}

async function stopInOrder(groups: Running[][]): Promise<void> {
  for (const group of groups) {
    await Promise.all(
      group.map(async (r) => {
        const started = Date.now();
        await r.stop();
        ok(`${r.name} stopped`, started);
      }),
    );
  }
}

/** Reaps processes a crashed earlier run left behind (their pid files are in the run dir). */
async function reapLeftovers(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  const pidFiles = readdirSync(runDir).filter((f) => f.endsWith('.pid'));
  const reaped = await Promise.all(pidFiles.map((f) => reapStale(path.join(runDir, f))));
  const names = pidFiles.filter((_, i) => reaped[i]).map((f) => f.replace(/\.pid$/, ''));
  if (names.length > 0) warn(`stopped processes left running by an earlier run: ${names.join(', ')}`);
}

function timed<T extends Running>(what: (r: T) => string, start: () => Promise<T>): Promise<T> {
  const started = Date.now();
  return start().then((r) => {
    ok(what(r), started);
    return r;
  });
}

export async function startStack(s: StackSettings, opts: StartStackOptions = {}): Promise<Stack> {
  for (const dir of [s.dataDir, s.logDir, s.runDir]) mkdirSync(dir, { recursive: true });
  await reapLeftovers(s.runDir);
  await assertPortsFree(namedPorts(s));
  const installed = await installAll(s.cacheDir, { browser: s.mode === 'test' });

  const ctx: StartContext = { host: s.host, logDir: s.logDir, runDir: s.runDir, signal: opts.signal };
  const p = s.infraPorts;
  const infraStarters = {
    postgres: () =>
      timed((r) => `postgres ready on ${s.host}:${r.port}`, () =>
        startPostgres({ bins: installed.postgres, dataDir: path.join(s.dataDir, 'postgres'), port: p.postgres, ...s.postgres, databases: DATABASES }, ctx),
      ),
    kafka: () =>
      timed((r) => `kafka ready on ${r.brokers}`, () =>
        startKafka({ libs: installed.kafkaLibs, dataDir: path.join(s.dataDir, 'kafka'), port: p.kafka, controllerPort: p.kafkaController }, ctx),
      ),
    temporal: () =>
      timed((r) => `temporal ready on ${r.address}${r.uiUrl ? ` (UI ${r.uiUrl})` : ''}`, () =>
        startTemporal(
          { bin: installed.temporal, dbFile: path.join(s.dataDir, 'temporal.db'), port: p.temporal, uiPort: s.temporalUi ? p.temporalUi : undefined, namespace: s.temporalNamespace },
          ctx,
        ),
      ),
    'stripe-mock': () => timed((r) => `stripe-mock ready on ${r.url}`, () => startStripeMock({ bin: installed.stripeMock, httpPort: p.stripe, httpsPort: p.stripeHttps }, ctx)),
  };
  // The workflow bundle is built while the infrastructure starts (both take seconds; neither needs the other).
  const bundling = buildWorkflowBundle({ repoRoot: s.repoRoot, runDir: s.runDir, logDir: s.logDir });
  bundling.catch(() => undefined); // awaited below, after the infrastructure
  const infra = await Promise.allSettled([infraStarters.postgres(), infraStarters.kafka(), infraStarters.temporal(), infraStarters['stripe-mock']()]);
  const names = ['postgres', 'kafka', 'temporal', 'stripe-mock'];
  const failures = infra.flatMap((r, i) => (r.status === 'rejected' ? [asComponentError(names[i]!, r.reason)] : []));
  if (failures.length > 0) {
    const up = infra.flatMap((r) => (r.status === 'fulfilled' ? [r.value as Running] : []));
    // Report every failure; throw the first (a component failure before an interruption).
    const first = failures.find((f) => f instanceof ComponentError) ?? failures[0]!;
    if (first instanceof ComponentError) opts.onFailure?.(first);
    for (const f of failures) if (f !== first && f instanceof ComponentError) fail(f.message);
    await stopInOrder([up.reverse()]);
    throw first;
  }
  const [postgres, kafka, temporal, stripeMock] = infra.map((r) => (r as PromiseFulfilledResult<Running>).value) as [
    RunningPostgres,
    RunningKafka,
    RunningTemporal,
    RunningStripeMock,
  ];
  const infraStopOrder: Running[][] = [[stripeMock, temporal], [kafka], [postgres]];
  // What runs now, by name: startComponent replaces an entry (fault drills), stop() stops whatever is current.
  const current = new Map<string, Running>([['postgres', postgres], ['kafka', kafka], ['temporal', temporal], ['stripe-mock', stripeMock]]);

  const workflowBundle = await bundling.catch(async (e: unknown) => {
    opts.onFailure?.(e as Error);
    await stopInOrder(infraStopOrder);
    throw e;
  });
  const databaseUrls = Object.fromEntries(DATABASES.map((db) => [db, postgres.url(db)])) as Record<Database, string>;
  // Email: the dev mail sink, unless the launcher was given a real SMTP_URL (then services inherit that).
  const mail = process.env.SMTP_URL ? null : await startMailSink({ host: s.host, port: p.smtp, dir: path.join(s.dataDir, 'mail') }).catch(async (e: unknown) => {
    await stopInOrder(infraStopOrder);
    throw e;
  });
  if (mail) ok(`mail sink ready on ${mail.url} (messages in ${mail.dir})`);
  const urls = apiUrls(s.instances, s.servicePorts, s.host, s.balancerPorts);
  // With replicas, each API's URL is a load balancer over its replicas (started first: it answers 503 until one is up).
  const balancers: RunningBalancer[] = [];
  try {
    for (const [name, port] of Object.entries(s.balancerPorts)) {
      const upstreams = s.selected.filter((i) => i.spec.name === name).map((i) => `http://${s.host}:${s.servicePorts[i.name]}`);
      if (upstreams.length === 0) continue;
      const b = await startBalancer({ name, host: s.host, port, upstreams });
      balancers.push(b);
      ok(`${name} load balancer on ${b.url} → ${upstreams.join(', ')}`);
    }
  } catch (e) {
    await Promise.all(balancers.map((b) => b.stop()));
    await stopInOrder(infraStopOrder);
    await mail?.stop();
    throw asComponentError('load balancer', e);
  }
  const stopBalancers = () => Promise.all(balancers.map((b) => b.stop())).then(() => undefined);
  for (const d of s.deselected) warn(`${d.instance.name} skipped: ${d.reason}`);
  let started: { running: RunningService[]; skipped: SkippedService[] };
  const serviceOptions = {
    repoRoot: s.repoRoot,
    host: s.host,
    logDir: s.logDir,
    runDir: s.runDir,
    ports: s.servicePorts,
    instances: s.selected,
    signal: opts.signal,
    wiring: {
      nodeEnv: s.nodeEnv,
      logLevel: s.logLevel,
      jwtSecret: s.jwtSecret,
      databaseUrls,
      kafkaBrokers: kafka.brokers,
      temporalAddress: temporal.address,
      temporalNamespace: temporal.namespace,
      stripeApiUrl: stripeMock.url,
      apiUrls: urls,
      filesDir: path.join(s.dataDir, 'files'),
      temporalUiUrl: temporal.uiUrl,
      workflowBundle,
      ...(mail ? { smtpUrl: mail.url } : {}),
    },
  };
  try {
    started = await startServices(serviceOptions);
  } catch (e) {
    if (!(e instanceof AbortedError)) opts.onFailure?.(e as Error);
    await stopBalancers();
    await stopInOrder(infraStopOrder);
    await mail?.stop();
    throw e;
  }

  const testEnv: Record<string, string> = {
    HOURGLASS_PG_ADMIN_URL: postgres.url(),
    ...Object.fromEntries(DATABASES.map((db) => [`HOURGLASS_${db.toUpperCase()}_DATABASE_URL`, databaseUrls[db]])),
    HOURGLASS_KAFKA_BROKERS: kafka.brokers,
    HOURGLASS_TEMPORAL_ADDRESS: temporal.address,
    HOURGLASS_TEMPORAL_NAMESPACE: temporal.namespace,
    HOURGLASS_TEMPORAL_TEST_SERVER: installed.temporalTestServer,
    HOURGLASS_STRIPE_API_URL: stripeMock.url,
    ...Object.fromEntries(s.instances.filter((i) => i.spec.api && i.replica === 0).map((i) => [`HOURGLASS_${urlEnvName(i.spec)}`, urls[urlEnvName(i.spec)]!])),
    // Workers serve /healthz, /readyz and /metrics too: HOURGLASS_SESSIONS_WORKER_URL, …
    ...Object.fromEntries(s.instances.filter((i) => !i.spec.api && i.replica === 0).map((i) => [`HOURGLASS_${urlEnvName(i.spec)}`, `http://${s.host}:${s.servicePorts[i.name]}`])),
    HOURGLASS_JWT_SECRET: s.jwtSecret,
    ...Object.fromEntries(Object.entries(webhookSecrets(s.jwtSecret)).map(([k, v]) => [`HOURGLASS_${k}`, v])),
    HOURGLASS_LOG_DIR: s.logDir,
    ...(installed.chromium ? { HOURGLASS_CHROMIUM: installed.chromium } : {}),
    // Screenshots and the like: kept after the run (the temp dir is removed when everything passed).
    HOURGLASS_ARTIFACTS_DIR: path.join(s.repoRoot, 'test-artifacts'),
    ...(mail ? { HOURGLASS_MAIL_DIR: mail.dir } : {}),
  };

  for (const r of started.running) current.set(r.name, r);
  const serviceNames = started.running.map((r) => r.name);
  const componentOf = (name: string): Running => {
    const r = current.get(name);
    if (!r) throw new UsageError(`no component ${name} in this stack; known: ${[...current.keys()].join(', ')}`);
    return r;
  };
  // One operation at a time per component: a restart by the supervisor, a stop or a start through the control API.
  const locks = new Map<string, Promise<unknown>>();
  const exclusive = <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(name) ?? Promise.resolve()).catch(() => undefined).then(fn);
    locks.set(name, run);
    return run;
  };
  const launch = async (name: string): Promise<ManagedProcess> => {
    const r = componentOf(name);
    if (!r.process.exit()) throw new UsageError(`${name} is still running: stop it first`);
    if (name in infraStarters) {
      current.set(name, await infraStarters[name as keyof typeof infraStarters]());
    } else {
      const instance = (r as RunningService).instance;
      const again = await startServices({ ...serviceOptions, instances: [instance] });
      current.set(name, again.running[0]!);
    }
    return current.get(name)!.process;
  };
  // A process that exits by itself is started again, with backoff, as a cluster would (supervisor.ts).
  const supervisor = createSupervisor({
    current: (name) => current.get(name)?.process,
    restart: (name) => exclusive(name, () => launch(name)),
    report: consoleReport((name) => current.get(name)?.logFile),
  });
  for (const name of current.keys()) supervisor.watch(name);
  const startComponent = (name: string): Promise<void> =>
    exclusive(name, async () => {
      supervisor.release(name);
      await launch(name);
      supervisor.watch(name);
    });
  const stopComponent = (name: string, how: 'graceful' | 'SIGKILL' = 'graceful'): Promise<void> =>
    exclusive(name, async () => {
      const r = componentOf(name);
      supervisor.hold(name);
      const t0 = Date.now();
      if (how === 'SIGKILL') await r.process.kill('SIGKILL');
      else await r.stop();
      ok(`${name} ${how === 'SIGKILL' ? 'killed (SIGKILL)' : 'stopped'}`, t0);
    });

  let stopping: Promise<void> | undefined;
  return {
    settings: s,
    installed,
    get postgres() {
      return current.get('postgres') as RunningPostgres;
    },
    get kafka() {
      return current.get('kafka') as RunningKafka;
    },
    get temporal() {
      return current.get('temporal') as RunningTemporal;
    },
    get stripeMock() {
      return current.get('stripe-mock') as RunningStripeMock;
    },
    get services() {
      return serviceNames.map((n) => current.get(n) as RunningService);
    },
    skipped: [...s.deselected, ...started.skipped],
    databaseUrls,
    apiUrls: urls,
    testEnv,
    logFiles: [postgres, kafka, temporal, stripeMock, ...started.running].map((r) => ({ name: r.name, file: r.logFile })),
    mail,
    balancers,
    stop: () => {
      supervisor.stop();
      return (stopping ??= stopInOrder([serviceNames, ['stripe-mock', 'temporal'], ['kafka'], ['postgres']].map((group) => group.map((n) => current.get(n)!)))
        .then(stopBalancers)
        .then(() => mail?.stop()));
    },
    stopComponent,
    startComponent,
  };
}

/** What the supervisor says on the console: the crash with the log's tail, each restart, each failed attempt. */
function consoleReport(logFileOf: (name: string) => string | undefined): SupervisorReport {
  return {
    crashed: (name, exit) => {
      fail(`${name} exited unexpectedly (${exit})`);
      const logFile = logFileOf(name);
      if (logFile) printTail(name, logFile, 20);
    },
    restarting: (name, delayMs, attempt) => warn(`restarting ${name} in ${seconds(delayMs)} (attempt ${attempt})`),
    restarted: (name, startedAt, attempt) => ok(`${name} restarted (attempt ${attempt})`, startedAt),
    restartFailed: (name, error, attempt) => fail(`${name} did not come back (attempt ${attempt}): ${error.message}`),
  };
}
