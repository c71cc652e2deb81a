import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '@hourglass/auth';
import { installSchemathesis } from '../components/schemathesis';
import { AbortedError } from '../errors';
import { fail, info, ok } from '../output';
import { findRepoRoot } from '../paths';
import { reportFailure } from '../report';
import { resolveSettings } from '../settings';
import { handleSignals } from '../signals';
import { startStack } from '../stack';
import { STACK_FAILED_LINE } from './test';

/**
 * The checks every service must pass: no 5xx for any input, and every response as its OpenAPI document says
 * (status codes, content types, bodies). Negative/positive data checks are left out on purpose: they judge
 * whether a random id "should" exist, which a fuzzer cannot know.
 */
export const API_CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    child.on('exit', (code) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? 1);
    });
  });
}

/**
 * `npm run test:api`: the test stack, then Schemathesis against each service's /openapi.json with an admin token
 * (so admin operations are exercised too), teardown, and the closing line `N passed, N failed` (one per service).
 */
export async function apiTest(args: string[]): Promise<number> {
  const controller = new AbortController();
  handleSignals(controller);
  const repoRoot = findRepoRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-api-test-'));
  chmodSync(dataDir, 0o755);
  const settings = await resolveSettings({ mode: 'test', repoRoot, dataDir });
  const schemathesis = await installSchemathesis(settings.cacheDir);
  let stack;
  try {
    stack = await startStack(settings, { signal: controller.signal, onFailure: reportFailure });
  } catch (e) {
    if (!(e instanceof AbortedError)) reportFailure(e);
    process.stdout.write(`${STACK_FAILED_LINE}\n`);
    return 1;
  }
  // The SSE stream is left out: it answers 200 and never ends, which a request/response fuzzer can only time out on.
  // One worker: Hypothesis's source caches are not thread-safe (seen here: "AST constructor recursion depth mismatch").
  const admin = await signToken({ sub: 'schemathesis', role: 'admin' }, settings.jwtSecret, '2h');
  const reports = path.join(repoRoot, 'test-artifacts', 'schemathesis');
  mkdirSync(reports, { recursive: true });
  const maxExamples = process.env.HOURGLASS_API_TEST_EXAMPLES ?? '25';
  let passed = 0;
  let failed = 0;
  for (const [name, url] of Object.entries(stack.apiUrls)) {
    if (controller.signal.aborted) break;
    info(`schemathesis → ${name} (${url}/openapi.json), ${maxExamples} examples per operation`);
    const started = Date.now();
    const code = await run(
      schemathesis,
      ['run', `${url}/openapi.json`, '--checks', API_CHECKS.join(','), '--header', `Authorization: Bearer ${admin}`, '--max-examples', maxExamples, '--workers', '1', '--phases', 'examples,coverage,fuzzing', '--exclude-path-regex', '/events$', '--request-timeout', '20', '--report', 'junit', '--report-dir', path.join(reports, name.toLowerCase()), '--no-color', ...args],
      process.env,
      controller.signal,
    );
    if (code === 0) {
      passed++;
      ok(`${name}: no 5xx, every response as documented`, started);
    } else {
      failed++;
      fail(`${name}: schemathesis found problems (exit ${code}); report in ${reports}`);
    }
  }
  await stack.stop();
  if (failed === 0) rmSync(dataDir, { recursive: true, force: true });
  else info(`logs kept in ${settings.logDir}`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && !controller.signal.aborted ? 0 : 1;
}
