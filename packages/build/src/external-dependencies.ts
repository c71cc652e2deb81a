import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'esbuild';

const SKIP = Symbol('resolving for external-dependencies');

/**
 * Workspace packages (`@hourglass/*`, TypeScript source) are bundled; every other package stays outside the bundle
 * and is required at run time from the `node_modules` the image installs with `npm ci --omit=dev`. Each is required
 * by the very file esbuild resolves now (relative to the output directory, `require` conditions), so a dependency a
 * workspace keeps in its own node_modules (a version the root cannot hoist) is the one it gets at run time too.
 */
export function externalDependencies(outdir: string): Plugin {
  return {
    name: 'external-dependencies',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith('@hourglass/')) return undefined;
        const resolved = await build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const relative = path.relative(outdir, resolved.path).split(path.sep).join('/');
        return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
      });
    },
  };
}
