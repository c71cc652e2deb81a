import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * Keeps a bundled module's `__dirname` (and `require.resolve('./…')`) pointing at its source directory, as the
 * image keeps the repository's layout: `packages/kafka/src` still finds `../migrations`, the sessions service its
 * `demo/`, the console its `public/`. Without this they would all be the bundle's own directory.
 */
export const SOURCE_DIR = '__hourglass_source_dir';

export function rewriteSourcePaths(code: string, sourceDir: string, outdir: string): string {
  if (!/\b__dirname\b|require\.resolve\(\s*['"]\./.test(code)) return code;
  const relative = path.relative(outdir, sourceDir).split(path.sep).join('/') || '.';
  const body = code
    .replace(/\b__dirname\b/g, SOURCE_DIR)
    .replace(/require\.resolve\(\s*(['"])(\.[^'"]*)\1\s*\)/g, (_m, _q, p: string) => `require("node:path").join(${SOURCE_DIR}, ${JSON.stringify(p)})`);
  return `const ${SOURCE_DIR} = require("node:path").join(__dirname, ${JSON.stringify(relative)});\n${body}`;
}

export function sourcePaths(outdir: string): Plugin {
  return {
    name: 'source-paths',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const code = await readFile(args.path, 'utf8');
        return { contents: rewriteSourcePaths(code, path.dirname(args.path), outdir), loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}
