import { existsSync } from 'node:fs';
import { ensureInstalled } from '../cache';
import { ComponentError } from '../errors';
import { execLogged } from '../exec';

/**
 * Debian's Chromium, for the browser tests (playwright-core drives it; Playwright's own browser download cannot
 * reach its CDN here). System-wide, not in the cache: apt-get as root, or through `sudo -n` when that works.
 * `HOURGLASS_CHROMIUM` points at another binary instead.
 */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function installChromium(cache: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.HOURGLASS_CHROMIUM) return Promise.resolve(env.HOURGLASS_CHROMIUM);
  return ensureInstalled(cache, {
    component: 'chromium',
    description: 'Chromium (Debian package chromium, for browser tests)',
    find: () => CHROMIUM_PATHS.find((p) => existsSync(p)),
    install: async (log) => {
      const root = process.getuid?.() === 0;
      const [cmd, prefix] = root ? ['apt-get', []] : ['sudo', ['-n', 'apt-get']];
      const apt = (args: string[]) => execLogged('chromium', cmd, [...prefix, ...args], { logFile: log, timeoutMs: 15 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      try {
        await apt(['install', '-y', '--no-install-recommends', 'chromium']);
      } catch {
        // A fresh machine may have no package lists yet.
        await apt(['update']);
        await apt(['install', '-y', '--no-install-recommends', 'chromium']).catch((e: unknown) => {
          throw new ComponentError('chromium', `cannot install Debian's chromium (${(e as Error).message}); install it, or set HOURGLASS_CHROMIUM`, log);
        });
      }
    },
  });
}
