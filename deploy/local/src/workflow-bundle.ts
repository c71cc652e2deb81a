import path from 'node:path';
import { execLogged } from './exec';
import { ok } from './output';

/**
 * Bundles the workflow code once per stack start (webpack, seconds) into the run dir, for every sessions worker
 * replica to load (WORKFLOW_BUNDLE) instead of each bundling it again; built afresh each time, so it is never stale.
 */
export async function buildWorkflowBundle({ repoRoot, runDir, logDir }: { repoRoot: string; runDir: string; logDir: string }): Promise<string> {
  const started = Date.now();
  const out = path.join(runDir, 'workflow-bundle.js');
  await execLogged('workflow bundle', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'workflows', 'scripts', 'bundle.ts'), out], {
    cwd: repoRoot,
    logFile: path.join(logDir, 'workflow-bundle.log'),
    timeoutMs: 180_000,
    what: 'bundling the workflow code',
  });
  ok(`workflow code bundled (${path.relative(repoRoot, out) || out})`, started);
  return out;
}
