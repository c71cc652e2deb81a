import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { externalDependencies } from './external-dependencies';
import { sourcePaths } from './source-paths';

export { externalDependencies } from './external-dependencies';
export { rewriteSourcePaths, sourcePaths } from './source-paths';

/** The Node the images run (their FROM): the bundles use what it supports. */
export const NODE_TARGET = 'node24';

/**
 * Bundles each entry of a service (`src/main.ts` → `dist/main.js`, with a source map) for plain `node`: its own code
 * and the workspace packages it imports, compiled and tree-shaken into one CommonJS file; third-party packages stay
 * in node_modules (external-dependencies.ts). dist/ is emptied first.
 */
export async function bundleEntries(o: { cwd: string; entries: string[]; outdir?: string }): Promise<string[]> {
  const outdir = path.resolve(o.cwd, o.outdir ?? 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: o.cwd,
    entryPoints: o.entries,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    sourcemap: true,
    logLevel: 'warning',
    metafile: true,
    plugins: [externalDependencies(outdir), sourcePaths(outdir)],
  });
  return Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
}
