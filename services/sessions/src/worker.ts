import { createLogger } from '@hourglass/logger';
import { loadConfig } from './config';
import { runProcess } from '@hourglass/lifecycle';
import { createSessionsWorker } from './worker-app';

runProcess('sessions-worker', () => {
  const config = loadConfig({ SERVICE_NAME: 'sessions-worker', ...process.env });
  const logger = createLogger({ service: 'sessions-worker', level: config.LOG_LEVEL, base: { instance: config.INSTANCE_ID } });
  return { logger, app: createSessionsWorker(config, logger) };
});
