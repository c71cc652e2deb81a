import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A real process (runProcess + the HTTP shell) whose routes let errors escape: each fails its request, not the process. */
describe('an error nothing caught while serving a request', () => {
  let child: ChildProcess;
  let url: string;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'faulty-service.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited (${code}) before listening:\n${output}`)));
    });
  }, 60_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const alive = async () => (await fetch(`${url}/healthz`)).status === 200 && child.exitCode === null;

  it.each([
    ['an unhandled error event of a request body stream', 'POST', '/stream-error'],
    ['a throw in a callback the request scheduled', 'GET', '/timer-throw'],
    ['a rejection nobody awaited', 'GET', '/rejection'],
  ])('%s: that request answers 500, the process serves on', async (_what, method, route) => {
    const res = await fetch(url + route, { method, ...(method === 'POST' ? { body: 'abc' } : {}), signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'INTERNAL', request_id: expect.any(String) });
    expect(await alive()).toBe(true);
  });

  it('an answer already begun is cut off; the process serves on', async () => {
    const res = await fetch(`${url}/after-answer`, { signal: AbortSignal.timeout(10_000) });
    await expect(res.text()).rejects.toThrow();
    expect(await alive()).toBe(true);
  });

  it('outside any request the process still exits 1 (its supervisor restarts it)', async () => {
    expect((await fetch(`${url}/crash-outside`, { method: 'POST' })).status).toBe(202);
    expect(await exited).toBe(1);
    expect(output).toMatch(/uncaught exception/);
  });
});
