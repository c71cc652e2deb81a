import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { loadConfig } from './config';
import { createBillingWorker } from './worker-app';

runProcess('billing-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'billing-worker', ...process.env });
  const logger = createLogger({ service: 'billing-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return { logger, app: createBillingWorker(config, logger) };
});
