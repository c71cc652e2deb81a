import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { envs, kinds, repo } from './helpers';

// The manifests and the images agree: every container runs an image built from services/<name>/Dockerfile, whose
// `args` is a dist/ entry that the service's `npm run build` produces from a source file that exists. (The images
// themselves are built and run by `npm run test:images`; deploy/images/test checks the Dockerfiles' shape.)
interface Container { name: string; image: string; args?: string[]; command?: string[] }
const containers = envs.flatMap((env) =>
  [...kinds(env, 'Deployment'), ...kinds(env, 'Job')].flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers] as Container[]).map((c) => ({ env, ...c })),
);

test('every container runs a service image on a compiled entry its build produces', () => {
  expect(containers.length).toBeGreaterThanOrEqual(16);
  for (const c of containers) {
    const service = /\/([a-z-]+):[\w.-]+$/.exec(c.image)?.[1];
    expect([c.env, c.name, service && existsSync(path.join(repo, 'services', service, 'Dockerfile'))]).toEqual([c.env, c.name, true]);
    expect([c.env, c.name, c.command]).toEqual([c.env, c.name, undefined]); // the image's ENTRYPOINT (node) stays
    const entry = c.args?.[0] ?? '';
    const build = (JSON.parse(readFileSync(path.join(repo, 'services', service!, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
    const source = entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    expect([c.env, c.name, entry, /^dist\/[\w-]+\.js$/.test(entry), build.split(' ').includes(source), existsSync(path.join(repo, 'services', service!, source))]).toEqual([c.env, c.name, entry, true, true, true]);
  }
});
