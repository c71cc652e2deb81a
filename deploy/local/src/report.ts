import { ComponentError, UsageError } from './errors';
import { fail, printTail } from './output';

/** How the CLI tells what went wrong: which component, why, the tail of its log and where the log is. */

const reported = new WeakSet<object>();

export function reportFailure(e: unknown): void {
  if (typeof e === 'object' && e !== null) {
    if (reported.has(e)) return;
    reported.add(e);
  }
  if (e instanceof ComponentError) {
    fail(`${e.component} failed: ${e.reason}`);
    if (e.logFile) printTail(e.component, e.logFile);
  } else if (e instanceof UsageError) {
    fail(e.message);
  } else {
    fail(`stack failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}
