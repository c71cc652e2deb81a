import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComponentError } from './errors';
import { ok, progress } from './output';

/**
 * The download cache shared by every checkout on this machine: `$HOURGLASS_CACHE_DIR`, else
 * `${XDG_CACHE_HOME:-~/.cache}/hourglass`. Installers put tools here once; later runs find them and skip.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HOURGLASS_CACHE_DIR) return path.resolve(env.HOURGLASS_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'hourglass');
}

export function installLog(cache: string, component: string): string {
  return path.join(cache, 'logs', `${component}-install.log`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding a per-component lock in the cache (a directory, created atomically), so two checkouts
 * installing at once on a fresh machine do not write the same venv or jar directory. A lock whose owner died is
 * taken over.
 */
export async function withInstallLock<T>(cache: string, component: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(cache, 'locks', `${component}.lock`);
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      if (Number.isInteger(owner) && !alive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ComponentError(component, `install lock ${lock} held by pid ${owner} for too long`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Installable<T> {
  /** Component name for messages and the install log, e.g. "kafka". */
  component: string;
  /** What is installed, e.g. "Kafka 3.9.1 (Maven)". */
  description: string;
  /** The installed artifact when it is already in the cache, else undefined. Must be cheap. */
  find(): T | undefined;
  /** Installs (the lock is held). Must leave `find()` returning the artifact. */
  install(log: string): Promise<void>;
}

/** Returns the cached artifact, installing it first (with progress lines) when missing. */
export async function ensureInstalled<T>(cache: string, item: Installable<T>): Promise<T> {
  const found = item.find();
  if (found !== undefined) return found;
  return withInstallLock(cache, item.component, async () => {
    const again = item.find(); // another process may have installed it while we waited
    if (again !== undefined) return again;
    const started = Date.now();
    const log = installLog(cache, item.component);
    progress(`installing ${item.description} into ${cache} (first run only; log: ${log})`);
    await item.install(log);
    const installed = item.find();
    if (installed === undefined) throw new ComponentError(item.component, 'install finished but the artifact is still missing', log);
    ok(`${item.component} installed`, started);
    return installed;
  });
}

/** `file` when it exists, else undefined — the usual `find()`. */
export function ifExists(file: string): string | undefined {
  return existsSync(file) ? file : undefined;
}
