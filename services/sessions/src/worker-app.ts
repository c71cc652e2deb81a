import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import type { Logger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { taskQueues, workflowsPath } from '@hourglass/workflows';
import { createSessionsActivities } from './adapters/activities';
import { runMigrations } from './adapters/database';
import type { SessionsConfig } from './config';

/**
 * The sessions worker: runs all workflow code (gate, session, pack) and the activities that touch the sessions
 * database, on task queue `sessions`. Serves /healthz, /readyz and /metrics on its own port.
 */
export function createSessionsWorker(config: SessionsConfig, logger: Logger) {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const stops: Array<() => Promise<unknown>> = [];

  return {
    async start(): Promise<RunningServer> {
      installRuntimeOnce();
      await runMigrations(config.DATABASE_URL, logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'sessions-worker' });
      stops.push(() => pool.end());
      const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      stops.push(() => connection.close());

      worker = await Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueues.sessions,
        workflowsPath,
        activities: createSessionsActivities({ pool }),
      });
      running = worker.run().catch((err) => {
        logger.fatal({ err }, 'worker stopped with an error');
        process.exit(1);
      });

      const { app } = createHttpApp({
        service: 'sessions-worker',
        logger,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'temporal-worker', check: async () => { if (worker?.getState() !== 'RUNNING') throw new Error(`worker is ${worker?.getState()}`); } },
        ],
      });
      const server = await listen(app, config.PORT, config.HOST);
      stops.unshift(() => server.close());
      logger.info({ url: server.url, taskQueue: taskQueues.sessions }, 'sessions worker running');
      return server;
    },

    async stop() {
      const [closeServer, ...rest] = stops.splice(0);
      await closeServer?.();
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      for (const stop of rest.reverse()) await stop().catch(() => undefined);
    },
  };
}

let runtimeInstalled = false;
function installRuntimeOnce() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
}
