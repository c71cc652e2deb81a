import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The monorepo root: the nearest directory above `from` whose package.json declares workspaces. */
export function findRepoRoot(from = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).workspaces) return dir;
      } catch {
        /* not JSON: keep looking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json with "workspaces" above ${from}: run from inside the Hourglass repo`);
    dir = parent;
  }
}
