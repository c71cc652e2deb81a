import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleEntries, rewriteSourcePaths } from '../src';

// A service in miniature, bundled for real with esbuild and run with plain node: its workspace-style module and a
// nested dependency are compiled in or required by the resolved file, and __dirname still points at the source.
test('bundles an entry that runs with plain node, keeping source directories and nested dependencies', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hourglass-build-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write('lib/node_modules/dep/package.json', JSON.stringify({ name: 'dep', main: 'index.js' }));
  write('lib/node_modules/dep/index.js', "module.exports = () => 'nested dep';");
  write('lib/src/index.ts', "import dep from 'dep';\nimport path from 'node:path';\nexport const where = (): string => path.basename(path.resolve(__dirname, '..'));\nexport const fromDep = (): string => dep();\n");
  write('lib/assets/hello.txt', 'asset');
  write('svc/src/main.ts', "import { readFileSync } from 'node:fs';\nimport { fromDep, where } from '../../lib/src';\nconst typed: number = 1;\nconsole.log(JSON.stringify({ where: where(), dep: fromDep(), asset: readFileSync(__dirname + '/../../lib/assets/hello.txt', 'utf8'), typed }));\n");
  const outputs = await bundleEntries({ cwd: path.join(root, 'svc'), entries: ['src/main.ts'] });
  expect(outputs).toEqual(['dist/main.js']);
  const bundle = readFileSync(path.join(root, 'svc', 'dist', 'main.js'), 'utf8');
  expect(bundle).toContain('require("../../lib/node_modules/dep/index.js")');
  const printed = JSON.parse(execFileSync(process.execPath, [path.join(root, 'svc', 'dist', 'main.js')], { encoding: 'utf8' }));
  expect(printed).toEqual({ where: 'lib', dep: 'nested dep', asset: 'asset', typed: 1 });
});

test('source paths: __dirname and relative require.resolve become the source directory, other code is untouched', () => {
  const out = rewriteSourcePaths("const a = __dirname; const b = require.resolve('./x');", '/repo/packages/kafka/src', '/repo/services/s/dist');
  expect(out).toContain('require("node:path").join(__dirname, "../../../packages/kafka/src")');
  expect(out).toContain('require("node:path").join(__hourglass_source_dir, "./x")');
  expect(rewriteSourcePaths('const c = 1;', '/a', '/b')).toBe('const c = 1;');
});
