import path from 'node:path';
import { ensureInstalled, ifExists } from '../cache';
import { pipInstallInVenv } from '../venv';

/** Schemathesis (PyPI), the property-based API tester `npm run test:api` runs against every /openapi.json. */
export const SCHEMATHESIS_PIP = 'schemathesis==4.32.5';

export function installSchemathesis(cache: string): Promise<string> {
  const venv = path.join(cache, 'schemathesis', 'venv');
  return ensureInstalled(cache, {
    component: 'schemathesis',
    description: 'Schemathesis (pip schemathesis)',
    find: () => ifExists(path.join(venv, 'bin', 'schemathesis')),
    install: (log) => pipInstallInVenv('schemathesis', venv, SCHEMATHESIS_PIP, log),
  });
}
