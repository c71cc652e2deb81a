import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { taskQueues } from '@hourglass/workflows';
import { createWorkerProcess } from '@hourglass/worker';
import { createBillingActivities } from './adapters/activities';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';

// The billing worker runs billing's activities only (no workflows): the only writer of credits.
runProcess('billing-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'billing-worker', ...process.env });
  const logger = createLogger({ service: 'billing-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return {
    logger,
    app: createWorkerProcess({
      service: 'billing worker',
      logger,
      config,
      taskQueue: taskQueues.billing,
      migrate: () => runMigrations(config.DATABASE_URL, logger),
      activities: (pool) => createBillingActivities({ pool, defaultPlanId: config.DEFAULT_PLAN_ID }),
    }),
  };
});
