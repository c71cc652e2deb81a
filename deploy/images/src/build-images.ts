/**
 * Builds every image and target, one at a time (each build takes both cores), from the base made by base-image.ts:
 * `podman build --pull=never --format docker` (Docker's format keeps HEALTHCHECK), trusting the machine's CA bundle
 * (build-ca.ts). Prints each image's size and build time.
 *
 *   npm run build -w deploy/images [-- sessions:api …]
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { cacheDir, installLog } from '@hourglass/local-stack/src/cache';
import { ok, progress } from '@hourglass/local-stack/src/output';
import { ensureBaseImage } from './base-image';
import { buildCaVolumes } from './build-ca';
import { podman, podmanEnv } from './podman';
import { dockerfileOf, repoRoot, type ServiceName } from './versions';

export interface ImageTarget {
  service: ServiceName;
  target: 'api' | 'worker';
}

/** Every image and target the Dockerfiles define. */
export const TARGETS: ImageTarget[] = [
  { service: 'sessions', target: 'api' },
  { service: 'sessions', target: 'worker' },
  { service: 'billing', target: 'api' },
  { service: 'billing', target: 'worker' },
  { service: 'notifications', target: 'api' },
];

export const imageName = (t: ImageTarget, tag: string) => `ghcr.io/hourglass/${t.target === 'api' ? t.service : `${t.service}-worker`}:${tag}`;

export interface BuiltImage extends ImageTarget {
  image: string;
  seconds: number;
  bytes: number;
}

function inspectSize(env: NodeJS.ProcessEnv, image: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('podman', ['image', 'inspect', '--format', '{{.Size}}', image], { env }, (err, stdout) => (err ? reject(err) : resolve(Number(stdout.trim()))));
  });
}

export interface BuildContext {
  cache: string;
  env: NodeJS.ProcessEnv;
  tag: string;
}

export function buildContext(tag = 'local'): BuildContext {
  const cache = cacheDir();
  return { cache, env: podmanEnv(path.join(cache, 'podman')), tag };
}

export async function buildImage(ctx: BuildContext, t: ImageTarget): Promise<BuiltImage> {
  const image = imageName(t, ctx.tag);
  const log = installLog(ctx.cache, `image-${t.service}-${t.target}`);
  const started = Date.now();
  progress(`building ${image} (log: ${log})`);
  await podman(
    ctx.env,
    ['build', '--pull=never', '--format', 'docker', '--layers', ...buildCaVolumes(path.join(ctx.cache, 'podman')), '-f', dockerfileOf(t.service), '--target', t.target, '-t', image, repoRoot],
    log,
    `podman build ${image}`,
  );
  const built = { ...t, image, seconds: (Date.now() - started) / 1000, bytes: await inspectSize(ctx.env, image) };
  ok(`${image}: ${(built.bytes / 1e6).toFixed(0)} MB`, started);
  return built;
}

export async function buildAll(ctx: BuildContext, targets = TARGETS): Promise<BuiltImage[]> {
  await ensureBaseImage(ctx);
  const built: BuiltImage[] = [];
  for (const t of targets) built.push(await buildImage(ctx, t));
  return built;
}

if (require.main === module) {
  const wanted = process.argv.slice(2);
  const targets = wanted.length ? TARGETS.filter((t) => wanted.includes(`${t.service}:${t.target}`)) : TARGETS;
  buildAll(buildContext(), targets).then(
    () => undefined,
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
