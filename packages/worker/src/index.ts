import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { temporalTls, type TemporalTlsSettings } from '@hourglass/config';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import type { Logger } from '@hourglass/logger';
import { createPool, type Pool } from '@hourglass/postgres';
import { nonRetryableDataFailures } from './failures';
import { traceActivityInterceptor } from './tracing';

export { traceClientInterceptor, traceActivityInterceptor, traceIdOf } from './tracing';
export { asNonRetryableWhenPermanent, INVALID_DATA, nonRetryableDataFailures } from './failures';

export interface WorkerProcessOptions {
  service: string;
  logger: Logger;
  config: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE: string; PORT: number; HOST: string } & TemporalTlsSettings;
  taskQueue: string;
  /** Runs the service's migrations before the worker polls (activities need the schema). */
  migrate: () => Promise<void>;
  /** The activities, built from the process's pool. */
  activities: (pool: Pool) => object;
  /** Workflow code, for the one worker that runs workflows… */
  workflowsPath?: string;
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
        Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
      }
      await o.migrate();
      pool = createPool({ connectionString: o.config.DATABASE_URL, applicationName: o.service });
      connection = await NativeConnection.connect({ address: o.config.TEMPORAL_ADDRESS, tls: temporalTls(o.config) });
      worker = await Worker.create({
        connection,
        namespace: o.config.TEMPORAL_NAMESPACE,
        taskQueue: o.taskQueue,
        activities: o.activities(pool),
        ...(o.workflowsPath ? { workflowsPath: o.workflowsPath } : {}),
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
        readiness: [
          { name: 'postgres', check: () => pool!.query('SELECT 1') },
          { name: 'temporal-worker', check: async () => { if (worker?.getState() !== 'RUNNING') throw new Error(`worker is ${worker?.getState()}`); } },
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
