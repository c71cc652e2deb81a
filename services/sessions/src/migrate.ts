import { directDatabaseUrl } from '@hourglass/config';
import { createLogger } from '@hourglass/logger';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';

// One-off: this service's migrations (the Kubernetes migration Job runs it before a rollout; every process also
// migrates on start, under the same lock).
const config = loadConfig({ SERVICE_NAME: 'sessions-migrate', ...process.env });
const logger = createLogger({ service: 'sessions-migrate', level: config.LOG_LEVEL });
runMigrations(directDatabaseUrl(config), logger).then(
  () => process.exit(0),
  (err: unknown) => {
    logger.fatal({ err }, 'migrations failed');
    process.exit(1);
  },
);
