import { AbortedError } from '../errors';
import { info, ok } from '../output';
import { findRepoRoot } from '../paths';
import { reportFailure } from '../report';
import { resolveSettings } from '../settings';
import { handleSignals } from '../signals';
import { startStack } from '../stack';
import { renderSummary } from '../summary';

/** `npm start`: the whole stack on fixed ports, state in .hourglass/, in the foreground until Ctrl-C. */
export async function start(): Promise<number> {
  const controller = new AbortController();
  handleSignals(controller);
  const started = Date.now();
  const settings = await resolveSettings({ mode: 'start', repoRoot: findRepoRoot() });
  info(`Hourglass local stack — state in ${settings.dataDir}`);
  let stack;
  try {
    stack = await startStack(settings, { signal: controller.signal, onFailure: reportFailure });
  } catch (e) {
    if (e instanceof AbortedError) return 130;
    reportFailure(e);
    return 1;
  }
  // A process that dies while the stack is up is reported and restarted by the stack's supervisor (supervisor.ts).
  if (!controller.signal.aborted) {
    ok('stack up', started);
    process.stdout.write(`${await renderSummary(stack)}\n`);
    await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  await stack.stop();
  ok('everything stopped');
  return 0;
}
