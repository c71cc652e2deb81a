import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { api, stack, tokenFor } from '@hourglass/testing';

// Requests the HTTP stack itself cannot read, on every service: a 4xx naming the problem, never a 500. And the
// headers every page needs so that it cannot be framed, sniffed or leak its URL in a Referer.
const services = () => [
  ['sessions', stack.sessionsUrl],
  ['billing', stack.billingUrl],
  ['notifications', stack.notificationsUrl],
] as const;

test('%FF (not UTF-8) in a path parameter → 400 on every service', async () => {
  const admin = await tokenFor('ops-hostile', 'admin');
  const paths = { sessions: ['/api/sessions/%FF', '/admin/users/%FF/overview'], billing: ['/admin/users/%FF/ledger', '/admin/plans/%FF'], notifications: ['/admin/notifications/%FF/attempts'] };
  for (const [name, base] of services()) {
    for (const path of paths[name]) {
      const res = await api(base, path, { token: admin, method: path === '/admin/plans/%FF' ? 'PUT' : 'GET', ...(path === '/admin/plans/%FF' ? { body: {} } : {}) });
      expect({ path, status: res.status, error: res.body?.error }).toEqual({ path, status: 400, error: 'BAD_REQUEST' });
    }
  }
});

test('a JSON body that is gzip-compressed is decoded; one that only claims to be → 400; an unknown encoding → 415; on every service', async () => {
  const user = await tokenFor('hostile-gzip');
  const targets = {
    sessions: ['POST', '/api/users/me/auto-start', { enabled: false }],
    billing: ['POST', '/api/checkout', { kind: 'session_credits', quantity: 1 }],
    notifications: ['PUT', '/api/users/me/notification-preferences', { quiet: true }],
  } as const;
  for (const [name, base] of services()) {
    const [method, path, body] = targets[name];
    const send = (encoding: string, bytes: Buffer | string) => fetch(new URL(path, base), { method, headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json', 'content-encoding': encoding }, body: bytes });
    const zipped = await send('gzip', gzipSync(JSON.stringify(body)));
    expect({ name, status: zipped.status }).toEqual({ name, status: name === 'billing' ? 201 : 200 });
    const lying = await send('gzip', JSON.stringify(body));
    expect({ name, status: lying.status, body: await lying.json() }).toMatchObject({ name, status: 400, body: { error: 'BAD_REQUEST' } });
    const cut = await send('gzip', gzipSync(JSON.stringify(body)).subarray(0, 10));
    expect({ name, status: cut.status }).toEqual({ name, status: 400 });
    const unknown = await send('compress', JSON.stringify(body));
    expect({ name, status: unknown.status, body: await unknown.json() }).toMatchObject({ name, status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE' } });
  }
});

test('the console, the demo page and every service’s /docs cannot be framed, sniffed, or leak a Referer; each has a CSP', async () => {
  const pages = [`${stack.sessionsUrl}/console/`, `${stack.sessionsUrl}/demo/sessions/any-id`, ...services().map(([, base]) => `${base}/docs`)];
  for (const url of pages) {
    const res = await fetch(url);
    expect({ url, status: res.status }).toEqual({ url, status: 200 });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  }
});

/** One raw HTTP/1.1 request in one write; resolves with the status line (or the socket error) once the server closes. */
function rawRequest(baseUrl: string, head: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.end(head));
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
    socket.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
    socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
  });
}

test('headers past the server’s limit (16 kB) → 431 from every service, which serves on', async () => {
  for (const [, base] of services()) {
    const status = await rawRequest(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    expect({ base, status }).toEqual({ base, status: 'HTTP/1.1 431 Request Header Fields Too Large' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }
});
