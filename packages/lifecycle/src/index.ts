import { failRequestOfError } from '@hourglass/http';
import type { Logger } from '@hourglass/logger';

export interface Lifecycle {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/** What a process is made of: its logger, its app, and how long a graceful stop may take (default 15 s). */
export interface BuiltProcess {
  logger: Logger;
  app: Lifecycle;
  /** After SIGTERM, exit 1 if stopping takes longer (SHUTDOWN_TIMEOUT_MS): below the orchestrator's kill deadline. */
  stopTimeoutMs?: number;
}

/**
 * Owns a process's lifecycle: start, log where it listens, stop gracefully on SIGTERM/SIGINT (exit 0), exit 1 on a
 * failed start, a crash or a stop that outlasts its timeout — never exit 0 after an error. An error nothing caught while
 * a request was being served (an unhandled 'error' event of a body stream, a throw in a callback, a rejection nobody
 * awaited) fails that request alone, answered 500 and logged with its id (@hourglass/http request-scope.ts): one bad
 * request must not end the process and every other request with it. Outside any request such an error still ends the
 * process (exit 1), and its supervisor (Kubernetes, the local launcher) starts it again.
 */
export function runProcess(name: string, build: () => BuiltProcess): void {
  let built: BuiltProcess;
  try {
    built = build();
  } catch (err) {
    console.error(`[${name}] cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  const { logger, app, stopTimeoutMs = 15_000 } = built;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error({ stopTimeoutMs }, 'graceful stop took too long; exiting');
      process.exit(1);
    }, stopTimeoutMs);
    force.unref();
    await app.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => {
    if (failRequestOfError(err, logger)) return;
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    if (failRequestOfError(err, logger)) return;
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  app.start().catch((err) => {
    logger.fatal({ err }, 'failed to start');
    process.exit(1);
  });
}
