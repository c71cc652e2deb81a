import { info, warn } from './output';
import { killAllNow } from './process';

/**
 * The first SIGINT/SIGTERM/SIGHUP aborts `controller` (startup in progress, the foreground wait or the jest run);
 * a later one kills every process group at once. The 'exit' hook is the last line of defence against orphans.
 */
export function handleSignals(controller: AbortController): void {
  let count = 0;
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice (terminal + a wrapper forwarding it, e.g. timeout(1)): only a later one escalates.
    if (count === 1 && Date.now() - first < 1000) return;
    count += 1;
    if (count === 1) {
      first = Date.now();
      info(`\n${signal} received: stopping (again to kill everything at once)…`);
      controller.abort();
    } else {
      warn('killing every process now');
      killAllNow();
      process.exit(130);
    }
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  process.on('exit', killAllNow);

  // `kill <npm pid>` ends npm without passing the signal on: when our parent goes away, stop as if signalled
  // rather than keep the stack running as orphans.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !controller.signal.aborted) {
      info(`parent process ${parent} exited: stopping…`);
      count = 1;
      first = Date.now();
      controller.abort();
    }
  }, 500).unref();

  // Whoever read our output may be gone (closed pipe): losing a progress line must not crash the shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}
