import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Postgres refuses to run as root. When we are root, it runs as the `postgres` system user (created when
 * missing), and every directory it touches must be reachable by that user.
 */

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

function idOf(user: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { user, uid, gid };
  } catch {
    return undefined;
  }
}

/** undefined when we are not root (run as ourselves); otherwise the unprivileged user, created if needed. */
export function postgresRunAs(user = 'postgres'): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = idOf(user);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user], { stdio: 'pipe' });
  } catch (e) {
    // busybox/alpine flavour
    try {
      execFileSync('adduser', ['-S', '-D', '-H', user], { stdio: 'pipe' });
    } catch {
      throw new Error(`running as root and there is no '${user}' user to run Postgres as; creating it failed: ${(e as Error).message}`);
    }
  }
  const created = idOf(user);
  if (!created) throw new Error(`created user '${user}' but cannot read its uid`);
  return created;
}

/**
 * The first directory on the way to `target` (inclusive) that `who` cannot traverse, or undefined when all are
 * reachable. Checks owner/group/other execute bits (supplementary groups are ignored, erring on the safe side).
 */
export function firstUntraversable(target: string, who: RunAs): string | undefined {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    let st;
    try {
      st = statSync(d);
    } catch {
      return undefined; // not created yet: whoever creates it decides
    }
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return d;
  }
  return undefined;
}

/** chown -R, without following symlinks. */
export function chownTree(target: string, who: RunAs): void {
  const st = lstatSync(target);
  chownSync(target, who.uid, who.gid);
  if (st.isDirectory()) for (const entry of readdirSync(target)) chownTree(path.join(target, entry), who);
}
