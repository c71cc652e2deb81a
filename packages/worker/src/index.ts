import { existsSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { temporalTls, type TemporalTlsSettings } from '@hourglass/config';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import type { Logger } from '@hourglass/logger';
import { createPool, type Pool } from '@hourglass/postgres';
import { nonRetryableDataFailures } from './failures';
import { traceActivityInterceptor, traceClientInterceptor } from './tracing';

export { traceClientInterceptor, traceActivityInterceptor, traceIdOf } from './tracing';
export { asNonRetryableWhenPermanent, INVALID_DATA, nonRetryableDataFailures } from './failures';

export interface WorkerProcessOptions {
  service: string;
  logger: Logger;
  config: {
    DATABASE_URL: string;
    DATABASE_POOL_MAX?: number;
    TEMPORAL_ADDRESS: string;
    TEMPORAL_NAMESPACE: string;
    PORT: number;
    HOST: string;
    /** In-flight activities may run on this long after SIGTERM before they are cancelled. */
    WORKER_SHUTDOWN_GRACE_MS?: number;
    READINESS_SCOPE?: 'dependencies' | 'local';
    /** Serve the SDK's metrics (Prometheus format) on this port. */
    TEMPORAL_METRICS_PORT?: number;
  } & TemporalTlsSettings;
  taskQueue: string;
  /** Runs the service's migrations before the worker polls (activities need the schema). */
  migrate: () => Promise<void>;
  /** The activities, built from the process's pool and a Temporal client on the worker's own connection. */
  activities: (deps: { pool: Pool; client: Client }) => object;
  /** Workflow code, for the one worker that runs workflows… */
  workflowsPath?: string;
  /**
   * …prebuilt into one file (`bundleWorkflowCode` at build time), used instead of bundling `workflowsPath` at every
   * start when the file exists.
   */
  workflowBundlePath?: string;
  /**
   * Workflows kept in memory between their tasks (the sticky cache). Sessions sleep on timers for minutes: a small cache
   * lets a sleeping one be evicted and replay its short history when its timer fires, instead of holding ~0.5 MB each.
   */
  maxCachedWorkflows?: number;
  /** …and its interceptor modules (trace ids on to activities and children). */
  workflowInterceptorModules?: string[];
}

let runtimeInstalled = false;

/**
 * A worker process: polls one task queue with the service's activities (and workflows, when given), and serves
 * /healthz, /readyz (Postgres answers, worker RUNNING) and /metrics on its own port. stop() drains the worker
 * before closing the pool and the connection.
 */
export function createWorkerProcess(o: WorkerProcessOptions) {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let server: RunningServer | undefined;
  let pool: Pool | undefined;
  let connection: NativeConnection | undefined;

  return {
    async start(): Promise<RunningServer> {
      if (!runtimeInstalled) {
        runtimeInstalled = true;
        Runtime.install({
          // The SDK's metrics named as Prometheus expects (counters `_total`, durations in `_seconds`): the alerts of
          // deploy/k8s (monitoring.ts) use these names.
          telemetryOptions: {
            logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
            ...(o.config.TEMPORAL_METRICS_PORT !== undefined ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${o.config.TEMPORAL_METRICS_PORT}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } : {}),
          },
        });
      }
      await o.migrate();
      pool = createPool({ connectionString: o.config.DATABASE_URL, max: o.config.DATABASE_POOL_MAX, applicationName: o.service });
      connection = await NativeConnection.connect({ address: o.config.TEMPORAL_ADDRESS, tls: temporalTls(o.config) });
      // Activities that start workflows (a session's auto-start) use this client; it carries the current trace id.
      const client = new Client({ connection, namespace: o.config.TEMPORAL_NAMESPACE, interceptors: { workflow: [traceClientInterceptor()] } });
      const prebuilt = o.workflowBundlePath && existsSync(o.workflowBundlePath) ? o.workflowBundlePath : undefined;
      if (o.workflowsPath) o.logger.info({ prebuilt: prebuilt ?? null }, prebuilt ? 'workflow code from the prebuilt bundle' : 'bundling workflow code');
      worker = await Worker.create({
        connection,
        namespace: o.config.TEMPORAL_NAMESPACE,
        taskQueue: o.taskQueue,
        activities: o.activities({ pool, client }),
        ...(prebuilt ? { workflowBundle: { codePath: prebuilt } } : o.workflowsPath ? { workflowsPath: o.workflowsPath } : {}),
        ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
        ...(o.config.WORKER_SHUTDOWN_GRACE_MS !== undefined ? { shutdownGraceTime: o.config.WORKER_SHUTDOWN_GRACE_MS } : {}),
        interceptors: {
          // Tracing outermost, so the logged outcome is the failure as Temporal gets it (non-retryable or not).
          activity: [traceActivityInterceptor(o.logger), nonRetryableDataFailures()],
          ...(o.workflowInterceptorModules ? { workflowModules: o.workflowInterceptorModules } : {}),
        },
      });
      running = worker.run().catch((err) => {
        o.logger.fatal({ err }, 'worker stopped with an error');
        process.exit(1);
      });
      const { app } = createHttpApp({
        service: o.service,
        logger: o.logger,
        readinessScope: o.config.READINESS_SCOPE,
        readiness: [
          { name: 'postgres', check: () => pool!.query('SELECT 1') },
          { name: 'temporal-worker', scope: 'local', check: async () => { if (worker?.getState() !== 'RUNNING') throw new Error(`worker is ${worker?.getState()}`); } },
        ],
      });
      server = await listen(app, o.config.PORT, o.config.HOST);
      o.logger.info({ url: server.url, taskQueue: o.taskQueue }, `${o.service} running`);
      return server;
    },

    async stop() {
      await server?.close();
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running;
      await pool?.end().catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}
