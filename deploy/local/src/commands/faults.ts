import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStackControl } from '../control';
import { AbortedError } from '../errors';
import { outcomeOf, readReport, runJest } from '../jest-runner';
import { fail, info, printTail } from '../output';
import { findRepoRoot } from '../paths';
import { reportFailure } from '../report';
import { resolveSettings } from '../settings';
import { handleSignals } from '../signals';
import { startStack } from '../stack';
import { STACK_FAILED_LINE } from './test';

/**
 * `npm run test:faults`: a stack of the drills' own (free ports, fresh temp dir, as `npm test` starts it but with two
 * replicas of every service and worker behind the launcher's load balancers),
 * its control surface (control.ts) for the drills to kill and restart its parts, jest with jest.faults.config.js
 * (tests/test/faults), teardown, and the closing line `N passed, N failed`. Logs are kept unless all passed.
 */
export async function faults(jestArgs: string[]): Promise<number> {
  const controller = new AbortController();
  handleSignals(controller);
  const repoRoot = findRepoRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-faults-'));
  chmodSync(dataDir, 0o755); // Postgres runs as its own user when we are root: it must reach its data dir.
  const settings = await resolveSettings({ mode: 'test', repoRoot, dataDir, env: { ...process.env, HOURGLASS_SERVICES: 'all', HOURGLASS_REPLICAS: '2' } }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  info(`Hourglass fault drills — ${dataDir}`);

  let stack;
  try {
    stack = await startStack(settings, { signal: controller.signal, onFailure: reportFailure });
  } catch (e) {
    if (!(e instanceof AbortedError)) reportFailure(e);
    info(`logs kept in ${settings.logDir}`);
    process.stdout.write(`${STACK_FAILED_LINE}\n`);
    return e instanceof AbortedError ? 130 : 1;
  }
  const control = await serveStackControl(stack);
  const outputFile = path.join(dataDir, 'jest.json');
  const env = { ...process.env, ...stack.testEnv, HOURGLASS_STACK_CONTROL_URL: control.url, HOURGLASS_LOG_DIR: settings.logDir, NODE_ENV: 'test' };
  const args = ['--config', path.join(repoRoot, 'jest.faults.config.js'), ...jestArgs];
  const code = controller.signal.aborted ? null : await runJest({ repoRoot, outputFile, args, env, signal: controller.signal });
  const report = readReport(outputFile);
  const outcome = outcomeOf(report, code);
  if (!outcome.success && !controller.signal.aborted) {
    if (!report) fail(`jest wrote no report to ${outputFile} (exit ${code ?? 'by signal'})`);
    for (const s of stack.services) printTail(s.name, s.logFile, 20);
  }
  await control.close();
  await stack.stop();
  if (outcome.success) rmSync(dataDir, { recursive: true, force: true });
  else info(`logs kept in ${settings.logDir}`);
  process.stdout.write(`${outcome.line}\n`);
  if (controller.signal.aborted) return 130;
  return outcome.success ? 0 : 1;
}
