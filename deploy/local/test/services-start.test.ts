import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComponentError } from '../src/errors';
import { findFreePorts } from '../src/ports';
import { findRepoRoot } from '../src/paths';
import { serviceInstances, startServices, type ServiceSpec, type ServiceWiring } from '../src/services';

const repoRoot = findRepoRoot(__dirname);
const workspace = path.relative(repoRoot, path.join(__dirname, 'fixtures', 'fake-service'));
const wiring: ServiceWiring = {
  nodeEnv: 'test',
  logLevel: 'warn',
  jwtSecret: 'x',
  databaseUrls: { sessions: 'pg://s', billing: 'pg://b', notifications: 'pg://n' },
  kafkaBrokers: '127.0.0.1:1',
  temporalAddress: '127.0.0.1:2',
  temporalNamespace: 'default',
  stripeApiUrl: 'http://127.0.0.1:3',
  apiUrls: { FAKE_URL: 'http://127.0.0.1:4' },
  filesDir: '/tmp/hourglass-files',
};

describe('startServices', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hg-services-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const options = async (specs: ServiceSpec[]) => {
    const instances = serviceInstances(specs);
    const ports = await findFreePorts(instances.length);
    return {
      repoRoot,
      host: '127.0.0.1',
      logDir: path.join(dir, 'logs'),
      runDir: path.join(dir, 'run'),
      ports: Object.fromEntries(instances.map((i, n) => [i.name, ports[n]!])),
      wiring,
      instances,
      readyTimeoutMs: 20_000,
    };
  };

  it('starts what exists, waits for /readyz, wires the environment, skips missing entries, stops cleanly', async () => {
    const started = await startServices(
      await options([
        { name: 'fake', workspace, entry: 'src/main.ts', port: 1, database: 'billing', api: true, replicas: 2 },
        { name: 'later', workspace, entry: 'src/not-written-yet.ts', port: 2, database: 'sessions' },
      ]),
    );
    try {
      expect(started.running.map((s) => s.name)).toEqual(['fake', 'fake-2']);
      expect(started.skipped.map((s) => [s.instance.name, s.reason])).toEqual([['later', `${workspace}/src/not-written-yet.ts does not exist yet`]]);
      const env = (await (await fetch(`${started.running[1]!.url}/env`)).json()) as Record<string, string>;
      expect(env).toMatchObject({
        PORT: String(started.running[1]!.port),
        SERVICE_NAME: 'fake',
        DATABASE_URL: 'pg://b',
        NODE_ENV: 'test',
        FAKE_URL: 'http://127.0.0.1:4',
      });
      expect(readFileSync(started.running[0]!.logFile, 'utf8')).toContain('fake fake listening');
    } finally {
      await Promise.all(started.running.map((s) => s.stop()));
    }
    for (const s of started.running) {
      expect(s.process.exit()).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(dir, 'run', `${s.name}.pid`))).toBe(false);
    }
  });

  it('names the process that died before it was ready and keeps its log', async () => {
    const o = await options([
      { name: 'fake', workspace, entry: 'src/main.ts', port: 1, database: 'billing' },
      { name: 'crashy', workspace, entry: 'src/crash.ts', port: 2, database: 'sessions' },
    ]);
    const error = await startServices(o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentError);
    expect(error).toMatchObject({ component: 'crashy', reason: 'exited with code 3 before ready (GET /readyz)' });
    expect(readFileSync((error as ComponentError).logFile!, 'utf8')).toContain('boom: DATABASE_URL points nowhere');
  });
});
