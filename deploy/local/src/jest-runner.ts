import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Runs jest from the repo root against the running stack, and reduces its JSON report to one line. */

export interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  numTotalTestSuites?: number;
  success: boolean;
}

export interface Outcome {
  passed: number;
  failed: number;
  skipped: number;
  /** `N passed, N failed[, N skipped]` — the last line `npm test` prints. */
  line: string;
  success: boolean;
}

/**
 * Counts come from jest's JSON. A suite that could not run at all (syntax error, failing import, broken
 * beforeAll) contributes no failed *test* to numFailedTests; it counts as one failure here so the line never says
 * "0 failed" for a red run.
 */
export function outcomeOf(report: JestReport | undefined, jestExitCode: number | null): Outcome {
  if (!report) return { passed: 0, failed: 1, skipped: 0, line: '0 passed, 1 failed', success: false };
  const passed = report.numPassedTests;
  const failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
  const skipped = report.numPendingTests;
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  return { passed, failed, skipped, line, success: report.success && failed === 0 && jestExitCode === 0 };
}

export function readReport(file: string): JestReport | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JestReport;
  } catch {
    return undefined;
  }
}

export interface RunJestOptions {
  repoRoot: string;
  outputFile: string;
  /** Extra CLI arguments (`npm test -- tests/smoke`). */
  args: string[];
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export function jestArgs(outputFile: string, args: string[]): string[] {
  return ['--ci', '--json', `--outputFile=${outputFile}`, '--maxWorkers=2', ...args];
}

/** Resolves with jest's exit code (null when killed by a signal). */
export function runJest(o: RunJestOptions): Promise<number | null> {
  const bin = path.join(o.repoRoot, 'node_modules', '.bin', 'jest');
  return new Promise((resolve) => {
    const child = spawn(bin, jestArgs(o.outputFile, o.args), { cwd: o.repoRoot, env: o.env, stdio: 'inherit' });
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      process.stderr.write(`cannot run ${bin}: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      resolve(code);
    });
  });
}
