/** A component (postgres, kafka, a service…) that failed to install or start, with the log that explains why. */
export class ComponentError extends Error {
  constructor(
    readonly component: string,
    /** What went wrong, without the component's name. */
    readonly reason: string,
    readonly logFile?: string,
  ) {
    super(`${component}: ${reason}`);
    this.name = 'ComponentError';
  }
}

/** Startup was interrupted (Ctrl-C / SIGTERM): not a failure of any component. */
export class AbortedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'AbortedError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError();
}

/** Wraps an unexpected error as a failure of `component`; keeps ComponentError and AbortedError as they are. */
export function asComponentError(component: string, e: unknown, logFile?: string): Error {
  if (e instanceof ComponentError || e instanceof AbortedError) return e;
  return new ComponentError(component, e instanceof Error ? e.message : String(e), logFile);
}

/** Bad configuration from the environment (a port that is not a port, an unknown service name…). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
