import type { Logger } from '@hourglass/logger';

export interface Lifecycle {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Owns a process's lifecycle: start, log where it listens, stop gracefully on SIGTERM/SIGINT (exit 0), exit 1 on a
 * failed start or a crash — never exit 0 after an error.
 */
export function runProcess(name: string, build: () => { logger: Logger; app: Lifecycle }): void {
  let built: { logger: Logger; app: Lifecycle };
  try {
    built = build();
  } catch (err) {
    console.error(`[${name}] cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  const { logger, app } = built;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('graceful stop took too long; exiting');
      process.exit(1);
    }, 15000);
    force.unref();
    await app.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  app.start().catch((err) => {
    logger.fatal({ err }, 'failed to start');
    process.exit(1);
  });
}
