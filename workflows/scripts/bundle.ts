/**
 * Builds the workflow bundle once (webpack inside @temporalio/worker takes seconds), for workers started with
 * WORKFLOW_BUNDLE=<file> instead of bundling the source at every start: production images, and the local stack.
 *
 *   npx tsx workflows/scripts/bundle.ts [out-file]     (default: workflows/dist/workflow-bundle.js)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules, workflowsPath } from '../src';

export async function writeWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } as never });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  writeWorkflowBundle(out).then(
    () => console.log(`workflow bundle written to ${out}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
