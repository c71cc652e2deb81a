import { ComponentError, UsageError } from './errors';
import { fail, printTail } from './output';
import { describeExit } from './process';
import type { Stack } from './stack';

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

/** Reports (with the log tail) any process that dies while the stack is supposed to be up. */
export function watchForCrashes(stack: Stack, stopping: () => boolean): void {
  for (const r of [stack.postgres, stack.kafka, stack.temporal, stack.stripeMock, ...stack.services]) {
    void r.process.exited.then((exit) => {
      if (stopping()) return;
      fail(`${r.name} exited unexpectedly (${describeExit(exit)})`);
      printTail(r.name, r.logFile, 20);
    });
  }
}
