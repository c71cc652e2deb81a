import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCaVolumes } from '../src/build-ca';
import { hardenedRunArgs } from '../src/containers';
import { baseImage, dockerfileOf, externalBases, NODE_INTEGRITY, repoRoot, SERVICES } from '../src/versions';

// The Dockerfiles' shape, checked without building (`npm run test:images` builds and runs them): production builds
// of compiled code on the pinned Node, manifests before sources, production dependencies only, numeric USER 1000.
const workspaces = (): string[] => {
  const { workspaces: patterns } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  return patterns.flatMap((p) => (p.endsWith('/*') ? readdirSync(path.join(repoRoot, p.slice(0, -2))).map((d) => `${p.slice(0, -2)}/${d}`) : [p])).filter((d) => existsSync(path.join(repoRoot, d, 'package.json')));
};

test.each(SERVICES)('services/%s/Dockerfile: built for production', (service) => {
  const text = readFileSync(dockerfileOf(service), 'utf8');
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'services', service, 'package.json'), 'utf8')) as { scripts: { build: string } };
  // Every workspace's manifest is copied before any source, then npm ci, then the sources.
  const firstSource = text.indexOf('COPY . .');
  const firstInstall = text.search(/^\s+npm ci /m);
  expect(firstInstall).toBeGreaterThan(0);
  for (const ws of workspaces()) {
    const line = ws === 'packages/build' ? 'COPY packages/build/ packages/build/' : `COPY ${ws}/package.json ${ws}/`;
    expect([ws, text.includes(line), text.indexOf(line) < firstInstall]).toEqual([ws, true, true]);
  }
  expect(firstInstall).toBeLessThan(firstSource);
  expect(text).toContain(`npm ci --omit=dev --ignore-scripts --workspace services/${service}`);
  expect(text).toContain(`node packages/build/src/prune.ts services/${service}`);
  expect(text).toContain(`npm run build --workspace services/${service}`);
  expect(text).toMatch(/^USER 1000$/m);
  expect(text).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
  expect(text).toContain('ENTRYPOINT ["node", "--enable-source-maps"]');
  expect(text).not.toMatch(/tsx/);
  // Each target runs an entry the build script compiles.
  const cmds = [...text.matchAll(/^CMD \["(dist\/[\w-]+\.js)"\]/gm)].map((m) => m[1]!);
  expect(cmds.length).toBeGreaterThanOrEqual(1);
  for (const cmd of cmds) expect([cmd, pkg.scripts.build.split(' ').includes(cmd.replace('dist/', 'src/').replace('.js', '.ts'))]).toEqual([cmd, true]);
  // Only compiled code and the files read at run time reach the runtime stage: no src/.
  const runtime = text.slice(text.indexOf('AS runtime'));
  expect(runtime).not.toMatch(/COPY [^\n]*\/src\b/);
  if (service === 'sessions') {
    expect(text).toContain('npm run build --workspace workflows -- /app/services/sessions/dist/workflow-bundle.js');
    expect(runtime).toContain('ENV WORKFLOW_BUNDLE=/app/services/sessions/dist/workflow-bundle.js');
  }
});

test('one base for all, a supported Node LTS whose official binary is pinned by integrity', () => {
  const base = baseImage();
  expect(base.reference).toMatch(/^node:(22|24)\.\d+\.\d+-bookworm-slim$/);
  expect(NODE_INTEGRITY[base.nodeVersion]).toMatch(/^sha512-/);
  expect(base.tag).toBe(`docker.io/library/${base.reference}`);
  expect(externalBases('FROM node:24.1.0-bookworm-slim AS a\nFROM a AS b\nFROM --platform=x other:1\n')).toEqual(['node:24.1.0-bookworm-slim', 'other:1']);
});

test('builds trust the machine’s CA only through mounts, and only when it has one', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-ca-'));
  expect(buildCaVolumes(dir, path.join(dir, 'absent.crt'))).toEqual([]);
  const bundle = path.join(dir, 'ca.crt');
  require('node:fs').writeFileSync(bundle, 'pem');
  const volumes = buildCaVolumes(dir, bundle);
  expect(volumes).toEqual(['--volume', `${path.join(dir, 'build-home')}:/root`, '--volume', `${bundle}:/root/ca-certificates.crt:ro`]);
  expect(readFileSync(path.join(dir, 'build-home', '.npmrc'), 'utf8')).toBe('cafile=/root/ca-certificates.crt\n');
});

test('containers run as Kubernetes runs them: uid 1000, read-only root, no capabilities', () => {
  const args = hardenedRunArgs().join(' ');
  for (const a of ['--user 1000:1000', '--read-only', '--cap-drop ALL', 'no-new-privileges', '--network host']) expect(args).toContain(a);
});
