import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBalancer, type RunningBalancer } from '../src/balancer';
import { findFreePort } from '../src/ports';

/** A replica stand-in: answers with its name and counts what reached it. */
async function replica(name: string, handle?: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: { method: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', body });
      if (handle) return handle(req, res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ replica: name, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const post = (url: string, body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

let balancer: RunningBalancer | undefined;
afterEach(async () => {
  await balancer?.stop();
  balancer = undefined;
});

test('round-robin over the replicas; a POST reaches exactly one, body intact', async () => {
  const a = await replica('a');
  const b = await replica('b');
  balancer = await startBalancer({ name: 'sessions', host: '127.0.0.1', port: 0, upstreams: [a.url, b.url] });
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`${balancer!.url}/api/sessions`, `{"n":${i}}`)));
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  expect(a.seen.length).toBe(3);
  expect(b.seen.length).toBe(3);
  expect([...a.seen, ...b.seen].map((s) => s.body).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `{"n":${i}}`));
  await Promise.all([a.close(), b.close()]);
});

test('a replica that refuses connections is skipped: every request reaches the other; none left → 503 NO_REPLICA', async () => {
  const a = await replica('a');
  const down = `http://127.0.0.1:${await findFreePort()}`; // nothing listens there
  balancer = await startBalancer({ name: 'billing', host: '127.0.0.1', port: 0, upstreams: [down, a.url] });
  for (let i = 0; i < 4; i++) expect((await post(`${balancer.url}/webhooks/stripe`, `{"i":${i}}`)).body.replica).toBe('a');
  expect(a.seen.length).toBe(4);
  await a.close();
  const none = await post(`${balancer.url}/webhooks/stripe`, '{}');
  expect(none).toEqual({ status: 503, body: { error: 'NO_REPLICA', message: 'no billing replica accepted the connection' } });
});

test('a replica dying with the request in flight → 502, not retried on the other (it may have acted)', async () => {
  const dying = await replica('dying', (req) => req.socket.destroy());
  const other = await replica('other');
  balancer = await startBalancer({ name: 'sessions', host: '127.0.0.1', port: 0, upstreams: [dying.url, other.url] });
  const r = await post(`${balancer.url}/api/sessions`, '{"x":1}');
  expect(r.status).toBe(502);
  expect(r.body.error).toBe('REPLICA_FAILED');
  expect(dying.seen.length).toBe(1);
  expect(other.seen.length).toBe(0);
  await Promise.all([dying.close(), other.close()]);
});

test('answers stream through as they are written (server-sent events)', async () => {
  let push: ((chunk: string) => void) | undefined;
  const sse = await replica('sse', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: session:started\ndata: {}\n\n');
    push = (chunk) => res.write(chunk);
  });
  balancer = await startBalancer({ name: 'sessions', host: '127.0.0.1', port: 0, upstreams: [sse.url] });
  const controller = new AbortController();
  const res = await fetch(`${balancer.url}/api/sessions/1/events`, { signal: controller.signal });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const next = async () => new TextDecoder().decode((await reader.read()).value);
  expect(await next()).toBe('event: session:started\ndata: {}\n\n');
  push!('event: session:extended\ndata: {}\n\n');
  expect(await next()).toBe('event: session:extended\ndata: {}\n\n');
  controller.abort();
  await sse.close().catch(() => undefined);
});
