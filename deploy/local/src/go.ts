import path from 'node:path';
import { execLogged } from './exec';

/** `go install <module>@<version>` with its binary in `<cache>/go/bin` (Go's own module cache is reused). */
export function goBinDir(cache: string): string {
  return path.join(cache, 'go', 'bin');
}

export function goInstall(component: string, cache: string, moduleAtVersion: string, log: string): Promise<void> {
  return execLogged(component, 'go', ['install', moduleAtVersion], {
    logFile: log,
    env: { ...process.env, GOBIN: goBinDir(cache) },
    timeoutMs: 20 * 60_000,
    what: `go install ${moduleAtVersion}`,
  });
}
