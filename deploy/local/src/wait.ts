import { AbortedError, ComponentError } from './errors';
import { describeExit, type ManagedProcess } from './process';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Fail at once when this process exits before the probe succeeds. */
  process?: ManagedProcess;
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns true. Fails with a ComponentError when the process exits first or the timeout
 * passes (with the probe's last error), with an AbortedError when `signal` fires.
 */
export async function waitUntil(component: string, what: string, probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let lastError = '';
  for (;;) {
    if (opts.signal?.aborted) throw new AbortedError();
    const exit = opts.process?.exit();
    if (exit) {
      throw new ComponentError(component, `exited with ${describeExit(exit)} before ${what}`, opts.process?.logFile);
    }
    try {
      if (await probe()) return;
      lastError = '';
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new ComponentError(
        component,
        `not ${what} after ${Math.round(opts.timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}`,
        opts.process?.logFile,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      opts.process?.exited.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** True when GET `url` answers 2xx within `timeoutMs`. */
export async function httpOk(url: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  if (res.ok) return true;
  throw new Error(`GET ${url} answered ${res.status}`);
}
