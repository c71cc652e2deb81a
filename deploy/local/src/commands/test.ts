import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortedError } from '../errors';
import { outcomeOf, readReport, runJest } from '../jest-runner';
import { fail, info, printTail } from '../output';
import { findRepoRoot } from '../paths';
import { reportFailure } from '../report';
import { resolveSettings } from '../settings';
import { handleSignals } from '../signals';
import { startStack, type Stack } from '../stack';

export const STACK_FAILED_LINE = '0 passed, 1 failed';

export interface JestOnStackOptions {
  /** First line printed, before the temp dir. */
  title: string;
  /** Prefix of the fresh temp dir under the OS temp dir. */
  tempPrefix: string;
  jestArgs: string[];
  /** Variables for the stack's settings on top of the environment (HOURGLASS_REPLICAS…). */
  settingsEnv?: NodeJS.ProcessEnv;
  /** Once the stack is up: more variables for jest, and what to close before the stack stops. */
  attach?: (stack: Stack) => Promise<{ env: Record<string, string>; close(): Promise<void> }>;
}

/**
 * A fresh stack on free ports in a new temp dir, jest against it, teardown, and as the very last line
 * `N passed, N failed[, N skipped]`. Returns the exit code: 0 only when jest succeeded and nothing failed. Logs are
 * kept when anything failed.
 */
export async function runJestOnStack(o: JestOnStackOptions): Promise<number> {
  const controller = new AbortController();
  handleSignals(controller);
  const repoRoot = findRepoRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), o.tempPrefix));
  chmodSync(dataDir, 0o755); // Postgres runs as its own user when we are root: it must reach its data dir.
  const settings = await resolveSettings({ mode: 'test', repoRoot, dataDir, env: { ...process.env, ...o.settingsEnv } }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  info(`${o.title} — ${dataDir}`);

  let stack;
  try {
    stack = await startStack(settings, { signal: controller.signal, onFailure: reportFailure });
  } catch (e) {
    if (!(e instanceof AbortedError)) reportFailure(e);
    info(`logs kept in ${settings.logDir}`);
    process.stdout.write(`${STACK_FAILED_LINE}\n`);
    return e instanceof AbortedError ? 130 : 1;
  }
  const attached = await o.attach?.(stack);

  const outputFile = path.join(dataDir, 'jest.json');
  const env = { ...process.env, ...stack.testEnv, ...attached?.env, NODE_ENV: 'test' };
  const code = controller.signal.aborted ? null : await runJest({ repoRoot, outputFile, args: o.jestArgs, env, signal: controller.signal });
  const report = readReport(outputFile);
  const outcome = outcomeOf(report, code);
  if (!outcome.success && !controller.signal.aborted) {
    if (!report) fail(`jest wrote no report to ${outputFile} (exit ${code ?? 'by signal'})`);
    for (const s of stack.services) printTail(s.name, s.logFile, 20);
  }
  await attached?.close();
  await stack.stop();
  if (outcome.success) rmSync(dataDir, { recursive: true, force: true });
  else info(`logs kept in ${settings.logDir}`);
  process.stdout.write(`${outcome.line}\n`);
  if (controller.signal.aborted) return 130;
  return outcome.success ? 0 : 1;
}

/** `npm test`: the whole suite (jest.config.js) against a fresh stack. */
export function test(jestArgs: string[]): Promise<number> {
  return runJestOnStack({ title: 'Hourglass test stack', tempPrefix: 'hourglass-test-', jestArgs });
}
