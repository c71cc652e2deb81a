import { createLogger } from '@hourglass/logger';
import { createSessionsApp } from './app';
import { loadConfig } from './config';
import { runProcess } from '@hourglass/lifecycle';

runProcess('sessions', () => {
  const config = loadConfig();
  const logger = createLogger({ service: 'sessions', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return { logger, app: createSessionsApp(config, logger), stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS };
});
