import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from './errors';
import type { Stack } from './stack';

/**
 * A running stack's control surface for fault drills (`npm run test:faults`): the drills run in jest, the stack in
 * the launcher, so the drills take parts of it down and bring them back over HTTP on 127.0.0.1:
 *
 *   GET  /components                          every component: name, pid, running, exit
 *   POST /components/<name>/stop[?how=SIGKILL] gracefully, or at once with SIGKILL to its process group (a crash)
 *   POST /components/<name>/start             again, same ports, data and wiring; answers once it is ready
 *
 * Names: postgres, kafka, temporal, stripe-mock and the service instances (sessions, billing-worker, …).
 */
export interface ComponentState {
  name: string;
  pid: number;
  running: boolean;
  /** How it exited, when it is not running. */
  exit: string | null;
}

export interface StackControl {
  url: string;
  close(): Promise<void>;
}

export function componentStates(stack: Stack): ComponentState[] {
  return [stack.postgres, stack.kafka, stack.temporal, stack.stripeMock, ...stack.services].map((r) => {
    const exit = r.process.exit();
    return { name: r.name, pid: r.process.pid, running: !exit, exit: exit ? (exit.signal ?? `code ${exit.code}`) : null };
  });
}

export async function serveStackControl(stack: Stack, host = '127.0.0.1'): Promise<StackControl> {
  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const match = /^\/components\/([\w-]+)\/(stop|start)$/.exec(url.pathname);
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/components') return answer(res, 200, componentStates(stack));
      if (req.method !== 'POST' || !match) return answer(res, 404, { error: `no ${req.method} ${url.pathname}` });
      const [, name, action] = match as unknown as [string, string, 'stop' | 'start'];
      const how = url.searchParams.get('how') === 'SIGKILL' ? 'SIGKILL' : 'graceful';
      const started = Date.now();
      const before = componentStates(stack).find((c) => c.name === name);
      await (action === 'stop' ? stack.stopComponent(name, how) : stack.startComponent(name));
      const after = componentStates(stack).find((c) => c.name === name);
      answer(res, 200, { name, action, how: action === 'stop' ? how : undefined, pid: (action === 'stop' ? before : after)?.pid, ms: Date.now() - started });
    })().catch((e: unknown) => answer(res, e instanceof UsageError ? 400 : 500, { error: (e as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
