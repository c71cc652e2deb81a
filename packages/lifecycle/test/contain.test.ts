import { spawn } from 'node:child_process';
import path from 'node:path';

/** A real process (runProcess + the HTTP shell) whose routes let errors escape: each fails its request, not the process. */
interface Faulty {
  url: string;
  exited: Promise<number | null>;
  output: () => string;
  alive: () => Promise<boolean>;
  kill: () => void;
}

async function startFaulty(): Promise<Faulty> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'faulty-service.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    exited,
    output: () => output,
    alive: async () => (await fetch(`${url}/healthz`)).status === 200 && child.exitCode === null,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

describe('an error nothing caught while serving a request', () => {
  let faulty: Faulty;
  beforeAll(async () => {
    faulty = await startFaulty();
  }, 60_000);
  afterAll(() => faulty?.kill());

  it.each([
    ['an unhandled error event of a request body stream', 'POST', '/stream-error'],
    ['a throw in a callback the request scheduled', 'GET', '/timer-throw'],
    ['a rejection nobody awaited', 'GET', '/rejection'],
  ])('%s: that request answers 500, the process serves on', async (_what, method, route) => {
    const res = await fetch(faulty.url + route, { method, ...(method === 'POST' ? { body: 'abc' } : {}), signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'INTERNAL', request_id: expect.any(String) });
    expect(await faulty.alive()).toBe(true);
  });

  it('an answer already begun is cut off; the process serves on', async () => {
    const res = await fetch(`${faulty.url}/after-answer`, { signal: AbortSignal.timeout(10_000) });
    await expect(res.text()).rejects.toThrow();
    expect(await faulty.alive()).toBe(true);
  });
});

describe('an error outside the serving of any request', () => {
  it.each([
    ['a timer of the process itself', 'POST', '/crash-outside', 202],
    ['a timer a request left behind once its answer was complete', 'GET', '/after-finish', 200],
  ])('%s: the process still exits 1 (its supervisor restarts it)', async (_what, method, route, status) => {
    const faulty = await startFaulty();
    try {
      expect((await fetch(faulty.url + route, { method })).status).toBe(status);
      // Bounded: a process that swallowed the error would never exit.
      const exit = await Promise.race([faulty.exited, new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
      expect(exit).toBe(1);
      expect(faulty.output()).toMatch(/uncaught exception/);
    } finally {
      faulty.kill();
    }
  }, 60_000);
});
