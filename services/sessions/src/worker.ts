import { directDatabaseUrl } from '@hourglass/config';
import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { taskQueues, workflowInterceptorModules, workflowsPath } from '@hourglass/workflows';
import { createWorkerProcess } from '@hourglass/worker';
import { createSessionsActivities } from './adapters/activities';
import { createBillingClient } from './adapters/billing-client';
import { createSessionStepActivities } from './adapters/session-steps';
import { sessionWorkflowStarter } from './adapters/temporal-gateway';
import { createPackActivities } from './adapters/pack-activities';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';

// The sessions worker runs all workflow code (session, pack; the legacy gate) and the activities that touch the
// sessions database: the session workflow's steps run here as local activities, next to the workflow.
runProcess('sessions-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'sessions-worker', ...process.env });
  const logger = createLogger({ service: 'sessions-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return {
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    app: createWorkerProcess({
      service: 'sessions worker',
      logger,
      config,
      taskQueue: taskQueues.sessions,
      workflowsPath,
      workflowInterceptorModules,
      migrate: () => runMigrations(directDatabaseUrl(config), logger),
      workflowBundlePath: config.WORKFLOW_BUNDLE,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      activities: ({ pool, client }) => {
        const billing = createBillingClient({ baseUrl: config.BILLING_URL, jwtSecret: config.JWT_SECRET });
        const steps = createSessionStepActivities({ pool, billing, workflows: sessionWorkflowStarter(client), logger });
        // Legacy activities first: the step of the same name (recordSessionEndingSoon) is the one that stays.
        return { ...createSessionsActivities({ pool }), ...steps, ...createPackActivities({ pool }) };
      },
    }),
  };
});
