import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { createBillingApp } from './app';
import { loadConfig } from './config';

runProcess('billing', () => {
  const config = loadConfig();
  const logger = createLogger({ service: 'billing', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return { logger, app: createBillingApp(config, logger), stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS };
});
