import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePorts } from '../src/ports';
import { findRepoRoot } from '../src/paths';
import { serviceInstances, startServices, type RunningService, type ServiceWiring } from '../src/services';
import { createSupervisor, type Supervisor } from '../src/supervisor';

// Real processes (the fake service fixture) under the supervisor: a crash is restarted with backoff and said so; a
// process taken down on purpose (what the fault drills do through the control API) is left down.
jest.setTimeout(60_000);

const repoRoot = findRepoRoot(__dirname);
const workspace = path.relative(repoRoot, path.join(__dirname, 'fixtures', 'fake-service'));
const wiring: ServiceWiring = { nodeEnv: 'test', logLevel: 'warn', jwtSecret: 'x', databaseUrls: { sessions: 'pg://s', billing: 'pg://b', notifications: 'pg://n' }, kafkaBrokers: '127.0.0.1:1', temporalAddress: '127.0.0.1:2', temporalNamespace: 'default', stripeApiUrl: 'http://127.0.0.1:3', apiUrls: {}, filesDir: '/tmp/hourglass-files' };

let dir: string;
let current: RunningService;
let supervisor: Supervisor;
const said: string[] = [];
const crashFile = () => path.join(dir, 'crash-at-start');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the supervisor said: ${said.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ready = async () => (await fetch(`${current.url}/readyz`).catch(() => undefined))?.status === 200;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hg-supervisor-'));
  process.env.FAKE_CRASH_AT_START = crashFile();
  const instances = serviceInstances([{ name: 'fake', workspace, entry: 'src/main.ts', port: 1, database: 'billing' }]);
  const [port] = await findFreePorts(1);
  const options = { repoRoot, host: '127.0.0.1', logDir: path.join(dir, 'logs'), runDir: path.join(dir, 'run'), ports: { fake: port! }, wiring, instances, readyTimeoutMs: 10_000 };
  current = (await startServices(options)).running[0]!;
  supervisor = createSupervisor({
    current: () => current.process,
    restart: async () => {
      current = (await startServices(options)).running[0]!;
      return current.process;
    },
    report: {
      crashed: (name, exit) => said.push(`${name} exited (${exit})`),
      restarting: (name, delayMs, attempt) => said.push(`restarting ${name} in ${delayMs} ms (attempt ${attempt})`),
      restarted: (name, _t, attempt) => said.push(`${name} restarted (attempt ${attempt})`),
      restartFailed: (name, _e, attempt) => said.push(`${name} did not come back (attempt ${attempt})`),
    },
    initialDelayMs: 100,
    maxDelayMs: 400,
  });
  supervisor.watch('fake');
});
afterAll(async () => {
  supervisor?.stop();
  await current?.stop();
  delete process.env.FAKE_CRASH_AT_START;
  rmSync(dir, { recursive: true, force: true });
});

test('a process that dies is restarted, and the console is told', async () => {
  const before = current.process.pid;
  await fetch(`${current.url}/crash`, { method: 'POST' }).catch(() => undefined);
  await until('the restart', () => said.includes('fake restarted (attempt 1)'));
  expect(said).toEqual(['fake exited (code 1)', 'restarting fake in 100 ms (attempt 1)', 'fake restarted (attempt 1)']);
  expect(current.process.pid).not.toBe(before);
  expect(await ready()).toBe(true);
});

test('while it keeps dying, each attempt waits twice as long (up to the cap) until one holds', async () => {
  said.length = 0;
  writeFileSync(crashFile(), '');
  await fetch(`${current.url}/crash`, { method: 'POST' }).catch(() => undefined);
  await until('three failed attempts', () => said.filter((s) => s.includes('did not come back')).length >= 3);
  rmSync(crashFile());
  await until('the restart', () => said.some((s) => s.startsWith('fake restarted')));
  const delays = said.filter((s) => s.startsWith('restarting')).map((s) => Number(/in (\d+) ms/.exec(s)![1]));
  // Attempt 1 was the crash before (under a minute ago): the count goes on from there.
  expect(delays.slice(0, 4)).toEqual([200, 400, 400, 400]);
  expect(await ready()).toBe(true);
});

test('a process taken down on purpose (hold) stays down; released and started again, it is watched again', async () => {
  said.length = 0;
  supervisor.hold('fake');
  await current.process.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
  expect(said).toEqual([]);
  expect(current.process.exit()).toEqual({ code: null, signal: 'SIGKILL' });
  expect(existsSync(crashFile())).toBe(false);

  supervisor.release('fake');
  current = (await startServices({ repoRoot, host: '127.0.0.1', logDir: path.join(dir, 'logs'), runDir: path.join(dir, 'run'), ports: { fake: Number(new URL(current.url).port) }, wiring, instances: [current.instance], readyTimeoutMs: 10_000 })).running[0]!;
  supervisor.watch('fake');
  await fetch(`${current.url}/crash`, { method: 'POST' }).catch(() => undefined);
  await until('the restart', () => said.includes('fake restarted (attempt 1)'));
});
