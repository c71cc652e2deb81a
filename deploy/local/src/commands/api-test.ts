import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
 * Schemathesis's configuration (schemathesis.toml, written next to the reports). Every built-in check runs — no 5xx,
 * status codes, content types, headers and bodies as documented, invalid input refused, unsupported methods 405 with
 * `Allow`, auth not ignored, deleted resources gone — except:
 * - positive_data_acceptance: a valid request may still be refused for what only the server knows (no credit 402, a
 *   plan limit 403, a cooldown 409, text PostgreSQL cannot store 422), and a webhook's validity is its signature
 *   over the exact bytes, which no schema states;
 * - object_level_authorization: it needs two users' resources set up in advance (the 403/404 of someone else's
 *   session, pack and file are covered by the jest suite).
 * The session event stream never ends by itself: it is read for at most 2 s or 2 events, then judged on what came.
 * Phases: coverage (boundary values of every schema), fuzzing, and stateful (sequences along the documents' links —
 * start a session, then end, extend, upload to it — and links Schemathesis infers).
 *
 * On top of what the schemas describe, HOSTILE_HOOKS (deploy/local/schemathesis/hourglass_hostile.py, loaded as
 * SCHEMATHESIS_HOOKS) turns one call in four into what broke the services from outside their schemas: non-UTF-8
 * path segments (%FF), NUL bytes in paths, queries and bodies, gzip bodies (real, lying, cut short), bodies cut
 * short, a form without its closing boundary, an unknown Content-Encoding, and headers near and past the limit —
 * each answered with no 5xx, and with a 4xx when it cannot be valid (its check `hostile_input_answered`).
 */
export const SCHEMATHESIS_CONFIG = `# Written by \`npm run test:api\` (deploy/local/src/commands/api-test.ts)
[checks]
positive_data_acceptance.enabled = false
object_level_authorization.enabled = false

[[operations]]
include-path-regex = "/events$"
request-timeout = 2
max-stream-events = 2
`;

/** The hooks module and the directory Python finds it in. */
export const HOSTILE_HOOKS = { module: 'hourglass_hostile', dir: path.resolve(__dirname, '../../schemathesis') };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    // cwd: Schemathesis keeps its example database in ./.schemathesis — under test-artifacts, not in the checkout.
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd });
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    child.on('exit', (code) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? 1);
    });
  });
}

/**
 * `npm run test:api`: the test stack, then Schemathesis against each service's /openapi.json twice — with an admin
 * token (so admin operations are exercised too) and with a plain user's (the user-facing branches; admin operations
 * answer their documented 403) — teardown, and the closing line `N passed, N failed` (one per service and role).
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
  // One worker: Hypothesis's source caches are not thread-safe (seen here: "AST constructor recursion depth mismatch").
  const tokens = {
    admin: await signToken({ sub: 'schemathesis-admin', role: 'admin' }, settings.jwtSecret, '2h'),
    user: await signToken({ sub: 'schemathesis-user', role: 'user' }, settings.jwtSecret, '2h'),
  };
  // Credits for both callers, so the stateful phase gets past 402 and follows a started session's links.
  for (const sub of ['schemathesis-admin', 'schemathesis-user']) {
    const res = await fetch(new URL(`/admin/users/${sub}/credits`, stack.apiUrls.BILLING_URL), {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'test', quantity: 200, reason: 'npm run test:api', reference: `test-api:${sub}` }),
    });
    if (!res.ok) fail(`could not grant credits to ${sub}: ${res.status} ${await res.text()}`);
  }
  const reports = path.join(repoRoot, 'test-artifacts', 'schemathesis');
  mkdirSync(reports, { recursive: true });
  const config = path.join(reports, 'schemathesis.toml');
  writeFileSync(config, SCHEMATHESIS_CONFIG);
  const maxExamples = process.env.HOURGLASS_API_TEST_EXAMPLES ?? '25';
  let passed = 0;
  let failed = 0;
  for (const [name, url] of Object.entries(stack.apiUrls)) {
    for (const [role, token] of Object.entries(tokens)) {
      if (controller.signal.aborted) break;
      const service = name.replace(/_URL$/, '').toLowerCase();
      info(`schemathesis → ${service} as ${role} (${url}/openapi.json), ${maxExamples} examples per operation`);
      const started = Date.now();
      const code = await run(
        schemathesis,
        // --url: the documents name their server relatively ('/'), never after the Host header they were asked with.
        ['--config-file', config, 'run', `${url}/openapi.json`, '--url', url, '--header', `Authorization: Bearer ${token}`, '--max-examples', maxExamples, '--workers', '1', '--phases', 'examples,coverage,fuzzing,stateful', '--request-timeout', '20', '--report', 'junit', '--report-dir', path.join(reports, `${service}-${role}`), '--no-color', ...args],
        { ...process.env, SCHEMATHESIS_HOOKS: HOSTILE_HOOKS.module, PYTHONPATH: [HOSTILE_HOOKS.dir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) },
        controller.signal,
        reports,
      );
      if (code === 0) {
        passed++;
        ok(`${service} as ${role}: no 5xx, every response as documented`, started);
      } else {
        failed++;
        fail(`${service} as ${role}: schemathesis found problems (exit ${code}); report in ${reports}`);
      }
    }
  }
  await stack.stop();
  if (failed === 0) rmSync(dataDir, { recursive: true, force: true });
  else info(`logs kept in ${settings.logDir}`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && !controller.signal.aborted ? 0 : 1;
}
