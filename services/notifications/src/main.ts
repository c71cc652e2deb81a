import { runProcess } from '@hourglass/lifecycle';
import { createLogger } from '@hourglass/logger';
import { createNotificationsApp } from './app';
import { loadConfig } from './config';

runProcess('notifications', () => {
  const config = loadConfig();
  const logger = createLogger({ service: 'notifications', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return { logger, app: createNotificationsApp(config, logger), stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS };
});
