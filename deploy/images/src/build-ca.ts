import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The machine's CA bundle (Debian's path). A proxy that re-signs TLS here is trusted through it. */
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The build's home directory (RUN steps run as root), where npm reads its user config. */
export const BUILD_HOME = '/root';

/**
 * `podman build` volume options that make the build trust the machine's CA bundle: a fresh directory of ours as the
 * build's home, holding an `.npmrc` with `cafile=`, and the bundle itself mounted read-only inside it. Both are bind
 * mounts for the RUN steps only, and /root exists in every base image, so no mount point is created in a layer:
 * nothing of them stays in the image. None when the machine has no such bundle.
 */
export function buildCaVolumes(workDir: string, bundle = HOST_CA_BUNDLE): string[] {
  if (!existsSync(bundle)) return [];
  const home = path.join(workDir, 'build-home');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.npmrc'), `cafile=${BUILD_HOME}/ca-certificates.crt\n`);
  writeFileSync(path.join(home, 'ca-certificates.crt'), ''); // the mount point of the bundle, on our side
  return ['--volume', `${home}:${BUILD_HOME}`, '--volume', `${bundle}:${BUILD_HOME}/ca-certificates.crt:ro`];
}
