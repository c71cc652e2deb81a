import path from 'node:path';
import { serveStackControl } from '../control';
import { findRepoRoot } from '../paths';
import { runJestOnStack } from './test';

/**
 * `npm run test:faults`: the fault drills (tests/test/faults, jest.faults.config.js) against a stack of their own —
 * as `npm test` starts it, but with two replicas of every service and worker behind the launcher's load balancers —
 * with its control surface (control.ts) for the drills to kill and restart its parts; closing line
 * `N passed, N failed`.
 */
export function faults(jestArgs: string[]): Promise<number> {
  // A start whose process was killed half-way is settled within seconds rather than the production 30 s, so the drill
  // that kills the sessions API between a start's credit and its workflow sees it settle (the processes inherit these).
  process.env.START_DEADLINE_MS ??= '2000';
  process.env.STALE_START_AFTER_MS ??= '4000';
  process.env.STALE_START_SWEEP_MS ??= '1000';
  return runJestOnStack({
    title: 'Hourglass fault drills',
    tempPrefix: 'hourglass-faults-',
    settingsEnv: { HOURGLASS_SERVICES: 'all', HOURGLASS_REPLICAS: '2' },
    jestArgs: ['--config', path.join(findRepoRoot(), 'jest.faults.config.js'), ...jestArgs],
    attach: async (stack) => {
      const control = await serveStackControl(stack);
      return { env: { HOURGLASS_STACK_CONTROL_URL: control.url, HOURGLASS_LOG_DIR: stack.settings.logDir }, close: control.close };
    },
  });
}
