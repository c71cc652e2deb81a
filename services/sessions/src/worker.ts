import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { taskQueues, workflowInterceptorModules, workflowsPath } from '@hourglass/workflows';
import { createWorkerProcess } from '@hourglass/worker';
import { createSessionsActivities } from './adapters/activities';
import { createPackActivities } from './adapters/pack-activities';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';

// The sessions worker runs all workflow code (gate, session, pack) and the activities that touch the sessions database.
runProcess('sessions-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'sessions-worker', ...process.env });
  const logger = createLogger({ service: 'sessions-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return {
    logger,
    app: createWorkerProcess({
      service: 'sessions worker',
      logger,
      config,
      taskQueue: taskQueues.sessions,
      workflowsPath,
      workflowInterceptorModules,
      migrate: () => runMigrations(config.DATABASE_URL, logger),
      activities: (pool) => ({ ...createSessionsActivities({ pool }), ...createPackActivities({ pool }) }),
    }),
  };
});
