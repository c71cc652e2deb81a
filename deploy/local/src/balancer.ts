import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local load balancer of `--replicas N` (in the launcher's own process): one per API, round-robin over its
 * replicas, each request to the next one.
 *
 * A replica that refuses the connection (stopped, crashed, restarting) is skipped for SKIP_MS and the request goes to
 * the next replica. That retry is safe for every method, POST included: nothing reached the refused replica. Any
 * other failure (the replica dies with the request in flight) is answered 502 and never retried, since the request
 * may have been acted on; clients retry with their Idempotency-Key. Request bodies are buffered for the retry (a
 * development balancer: uploads are bounded by the plans' limits). Answers stream through as they come (SSE).
 * No replica accepting → 503 with Retry-After. Bodies are the services' own error shape, `{ error: CODE, message }`.
 */
export interface RunningBalancer {
  name: string;
  url: string;
  upstreams: string[];
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

const SKIP_MS = 2000;

export async function startBalancer(o: { name: string; host: string; port: number; upstreams: string[] }): Promise<RunningBalancer> {
  const upstreams = o.upstreams.map((u) => new URL(u));
  const skipUntil = new Map<string, number>();
  const forwarded = new Map<string, number>(upstreams.map((u) => [u.host, 0]));
  let next = 0;

  /** The replicas to try for one request, in order: round-robin, the ones that just refused a connection last. */
  const order = (): URL[] => {
    const start = next++ % upstreams.length;
    const rotated = [...upstreams.slice(start), ...upstreams.slice(0, start)];
    const now = Date.now();
    return [...rotated.filter((u) => (skipUntil.get(u.host) ?? 0) <= now), ...rotated.filter((u) => (skipUntil.get(u.host) ?? 0) > now)];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => forward(Buffer.concat(chunks), order()));

    function forward(body: Buffer, candidates: URL[]): void {
      const target = candidates.shift();
      if (!target) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: 'NO_REPLICA', message: `no ${o.name} replica accepted the connection` }));
        return;
      }
      const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-proto': 'http' };
      delete headers['transfer-encoding'];
      if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
      // A new connection per request (no keep-alive pool): a refused connection then always means "not sent".
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
        forwarded.set(target.host, (forwarded.get(target.host) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      res.on('close', () => up.destroy());
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') {
          skipUntil.set(target.host, Date.now() + SKIP_MS);
          forward(body, candidates);
        } else if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'REPLICA_FAILED', message: `the ${o.name} replica at ${target.host} failed mid-request (${e.code ?? e.message}); retry with the same Idempotency-Key` }));
        } else {
          res.destroy();
        }
      });
      up.end(body);
    }
  });
  // Long-lived answers (SSE) must not be cut by the server's own timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: o.name,
    url: `http://${o.host}:${port}`,
    upstreams: o.upstreams,
    stats: () => Object.fromEntries(forwarded),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
