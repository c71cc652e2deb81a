import { silentLogger } from '@hourglass/logger';
import { createHttpApp, listen } from '../src';

// READINESS_SCOPE=local (Kubernetes): /readyz runs only the process's own checks, so a shared dependency that does
// not answer leaves the pod in its Service; the default runs them all.
async function readyz(readinessScope: 'dependencies' | 'local' | undefined, workerRunning: boolean) {
  const { app } = createHttpApp({
    service: 'scope-test',
    logger: silentLogger(),
    ...(readinessScope ? { readinessScope } : {}),
    readiness: [
      { name: 'postgres', check: async () => { throw new Error('connection refused'); } },
      { name: 'worker', scope: 'local', check: async () => { if (!workerRunning) throw new Error('worker is STOPPED'); } },
    ],
  });
  const server = await listen(app, 0);
  try {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Array<{ name: string; ok: boolean }> } };
  } finally {
    await server.close();
  }
}

test('by default every check counts: a dependency down is not ready', async () => {
  const r = await readyz(undefined, true);
  expect(r.status).toBe(503);
  expect(r.body.checks.map((c) => [c.name, c.ok])).toEqual([['postgres', false], ['worker', true]]);
});

test('local scope: only the process’s own checks, a dependency down does not matter', async () => {
  const r = await readyz('local', true);
  expect(r.status).toBe(200);
  expect(r.body.checks.map((c) => c.name)).toEqual(['worker']);
});

test('local scope still fails on its own checks', async () => {
  expect((await readyz('local', false)).status).toBe(503);
});
