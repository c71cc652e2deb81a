import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The local stack's installers and process supervision (deep imports: they are not part of its public index).
import { cacheDir, ensureInstalled, ifExists } from '@hourglass/local-stack/src/cache';
import { ComponentError } from '@hourglass/local-stack/src/errors';
import { tailFile } from '@hourglass/local-stack/src/output';
import { findFreePort } from '@hourglass/local-stack/src/ports';
import { startProcess } from '@hourglass/local-stack/src/process';
import { pipInstallInVenv } from '@hourglass/local-stack/src/venv';
import { httpOk, waitUntil } from '@hourglass/local-stack/src/wait';

/**
 * A real S3-compatible server for tests: moto's standalone server (PyPI `moto[server]`, threaded Werkzeug),
 * installed once into a venv under the shared cache (`${XDG_CACHE_HOME:-~/.cache}/hourglass/moto/venv`) and started
 * on a free port per test file. State is in memory: every start is an empty S3.
 */

export const MOTO_PIP = 'moto[server]==5.2.5';

export interface MotoServer {
  endpoint: string;
  /** Credentials moto accepts (any). */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

export function installMoto(cache = cacheDir()): Promise<string> {
  const venv = path.join(cache, 'moto', 'venv');
  return ensureInstalled(cache, {
    component: 'moto',
    description: `moto S3 server (pip ${MOTO_PIP})`,
    find: () => ifExists(path.join(venv, 'bin', 'moto_server')),
    install: (log) => pipInstallInVenv('moto', venv, MOTO_PIP, log),
  });
}

export async function startMoto(opts: { startTimeoutMs?: number } = {}): Promise<MotoServer> {
  const bin = await installMoto();
  const host = '127.0.0.1';
  const port = await findFreePort(host);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-moto-'));
  const logFile = path.join(dir, 'moto.log');
  const proc = startProcess({
    name: 'moto',
    command: bin,
    args: ['-H', host, '-p', String(port)],
    env: { ...process.env, PYTHONUNBUFFERED: '1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' },
    logFile,
    stopTimeoutMs: 5000,
  });
  const endpoint = `http://${host}:${port}`;
  try {
    // Importing moto and Flask takes seconds on a slow machine; the root answers ListBuckets once it serves.
    await waitUntil('moto', `serving S3 on ${endpoint}`, () => httpOk(`${endpoint}/`, {}, 5000), {
      timeoutMs: opts.startTimeoutMs ?? 120_000,
      intervalMs: 300,
      process: proc,
    });
  } catch (e) {
    await proc.stop();
    const tail = tailFile(logFile, 20);
    rmSync(dir, { recursive: true, force: true });
    const reason = e instanceof ComponentError ? e.reason : (e as Error).message;
    throw new Error(`moto did not start: ${reason}${tail ? `\n--- moto log ---\n${tail}` : ''}`);
  }
  return {
    endpoint,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    region: 'us-east-1',
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
