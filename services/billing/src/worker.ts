import { directDatabaseUrl } from '@hourglass/config';
import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { taskQueues } from '@hourglass/workflows';
import { createWorkerProcess } from '@hourglass/worker';
import { createBillingActivities } from './adapters/activities';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';

// The billing worker serves the billing activities of workflows started before the start gate moved into PostgreSQL
// (the legacy gate's consumeCredit and its sessions' recordUsage); new sessions call billing's HTTP API instead. It can
// go once no such execution is left (ARCHITECTURE.md, "Upgrading from the gate workflow").
runProcess('billing-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'billing-worker', ...process.env });
  const logger = createLogger({ service: 'billing-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return {
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    app: createWorkerProcess({
      service: 'billing worker',
      logger,
      config,
      taskQueue: taskQueues.billing,
      migrate: () => runMigrations(directDatabaseUrl(config), logger),
      activities: ({ pool }) => createBillingActivities({ pool, defaultPlanId: config.DEFAULT_PLAN_ID }),
    }),
  };
});
