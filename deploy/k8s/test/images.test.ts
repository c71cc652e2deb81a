import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// Docker cannot build here, so the images are checked for what the manifests rely on: every container of every
// environment runs an image built from services/<name>/Dockerfile, with an entry file that exists in that workspace,
// as a non-root user, with production dependencies only, tsx at runtime and a health check.
const repo = path.resolve(__dirname, '..', '..', '..');
const k8s = path.resolve(__dirname, '..');

interface Container { name: string; image: string; args?: string[]; command?: string[] }
const containers = ['dev', 'prod'].flatMap((env) =>
  readdirSync(path.join(k8s, env))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(k8s, env, f), 'utf8')).map((d) => d.toJSON() as { kind?: string; spec?: any }))
    .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
    .flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers] as Container[])
    .map((c) => ({ env, ...c })),
);

test('every container runs a service image with an entry file that exists', () => {
  expect(containers.length).toBeGreaterThanOrEqual(10);
  for (const c of containers) {
    const service = /\/([a-z-]+):[\w.-]+$/.exec(c.image)?.[1];
    expect([c.env, c.name, service && existsSync(path.join(repo, 'services', service, 'Dockerfile'))]).toEqual([c.env, c.name, true]);
    expect([c.env, c.name, c.command]).toEqual([c.env, c.name, undefined]); // the image's ENTRYPOINT (node --import tsx) stays
    const entry = c.args?.[0] ?? 'src/main.ts';
    expect([c.env, c.name, entry, existsSync(path.join(repo, 'services', service!, entry))]).toEqual([c.env, c.name, entry, true]);
  }
});

test.each(['sessions', 'billing', 'notifications'])('services/%s/Dockerfile: multi-stage, prod deps only, tsx linked, non-root, health check', (service) => {
  const text = readFileSync(path.join(repo, 'services', service, 'Dockerfile'), 'utf8');
  expect(text.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
  expect(text).toContain(`npm ci --omit=dev --ignore-scripts --workspace services/${service} `);
  expect(text).toMatch(/npm install --prefix \/opt\/tsx .*\n.*"tsx@\$\(node -p "require\('\.\/package-lock\.json'\)\.packages\['node_modules\/tsx'\]\.version"\)"/);
  expect(text).toContain('ln -s /opt/tsx/node_modules/tsx node_modules/tsx');
  expect(text).toContain('COPY --from=deps --chown=node:node /opt/tsx /opt/tsx');
  expect(text).toContain(`WORKDIR /app/services/${service}`);
  expect(text).toMatch(/^USER node$/m);
  expect(text).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
  expect(text).toContain('ENTRYPOINT ["node", "--import", "tsx"]');
  for (const [, entry] of text.matchAll(/^CMD \["([^"]+)"\]/gm)) expect([entry, existsSync(path.join(repo, 'services', service, entry!))]).toEqual([entry, true]);
});
