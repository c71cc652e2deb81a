import pino, { type Logger } from 'pino';
import { currentTraceId } from './trace';

export { currentTraceId, withTraceId, TRACE_HEADER } from './trace';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Extra fields on every line (e.g. instance id). */
  base?: Record<string, unknown>;
}

/** JSON lines to stdout; every line carries the service name, and the current trace id (trace.ts) when there is one. */
export function createLogger({ service, level = 'info', base = {} }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service, pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const traceId = currentTraceId();
      return traceId ? { trace_id: traceId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'authorization', '*.password', '*.secret'], censor: '[redacted]' },
  });
}

/** A logger that writes nothing; for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
