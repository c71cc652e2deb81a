import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execLogged } from '@hourglass/local-stack/src/exec';

/** The npm `integrity` (sha512, base64) of a file's bytes. */
export function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * `npm pack <name>@<version>` into `dir` (the registry through npm, with its proxy and CA settings), then the
 * tarball's sha512 checked against the one pinned here: a tarball that is not the one we reviewed is refused.
 * Returns the tarball's path.
 */
export async function fetchTarball(o: { name: string; version: string; integrity: string; dir: string; log: string }): Promise<string> {
  await execLogged('npm pack', 'npm', ['pack', `${o.name}@${o.version}`, '--pack-destination', o.dir, '--silent'], {
    logFile: o.log,
    timeoutMs: 10 * 60_000,
    what: `npm pack ${o.name}@${o.version}`,
  });
  const file = path.join(o.dir, `${o.name.replace(/^@/, '').replace('/', '-')}-${o.version}.tgz`);
  const actual = integrityOf(file);
  if (actual !== o.integrity) throw new Error(`${o.name}@${o.version}: integrity ${actual}, expected ${o.integrity}`);
  return file;
}
