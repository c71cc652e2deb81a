import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { DomainError } from '@hourglass/errors';
import { silentLogger } from '@hourglass/logger';
import { createHttpApp, listen, parseInput, type RunningServer } from '../src';

describe('http app shell', () => {
  let server: RunningServer;
  let dependencyUp = true;

  beforeAll(async () => {
    const { app } = createHttpApp({
      service: 'test',
      logger: silentLogger(),
      readiness: [{ name: 'db', check: async () => { if (!dependencyUp) throw new Error('db down'); } }],
      routes: (app) => {
        app.post('/things', (req, res) => {
          const body = parseInput(z.object({ name: z.string().min(1) }), req.body);
          res.status(201).json({ name: body.name, raw: req.rawBody?.toString('utf8') });
        });
        app.get('/things/:id', (req, res) => { res.json({ id: req.params.id }); });
        app.get('/refuse', () => { throw new DomainError('NO_CREDITS', 'No sessions available.', { free_remaining: 0 }); });
        app.get('/async-refuse', async () => { throw new DomainError('COOLDOWN_ACTIVE', 'wait', { retry_after_seconds: 5 }); });
        app.get('/boom', () => { throw new Error('secret internals'); });
        app.get('/pg-restarting', () => { throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }); });
        app.get('/nul', () => { throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }); });
        app.get('/offset', () => { throw Object.assign(new Error('time zone displacement out of range: "1198-03-29T14:01:29+16:17"'), { code: '22009' }); });
      },
    });
    server = await listen(app, 0);
  });
  afterAll(() => server.close());

  const call = (path: string, init?: RequestInit) => fetch(server.url + path, init).then(async (r) => ({ status: r.status, body: (await r.json()) as any, headers: r.headers }));

  it('serves health, readiness and metrics', async () => {
    expect((await call('/healthz')).status).toBe(200);
    dependencyUp = true;
    expect((await call('/readyz')).status).toBe(200);
    dependencyUp = false;
    const notReady = await call('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toEqual([{ name: 'db', ok: false, error: 'db down' }]);
    const metrics = await fetch(server.url + '/metrics').then((r) => r.text());
    expect(metrics).toMatch(/http_requests_total\{.*route="\/readyz".*\}/);
  });

  it('validates bodies with a structured 422 and keeps the raw bytes', async () => {
    const bad = await call('/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    expect(bad.body.issues[0].path).toBe('name');
    const good = await call('/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "x"}' });
    expect(good).toMatchObject({ status: 201, body: { name: 'x', raw: '{"name": "x"}' } });
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await call('/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('BAD_REQUEST');
  });

  it('maps domain refusals (sync and async) to their status with details, and hides internals on 500', async () => {
    expect(await call('/refuse')).toMatchObject({ status: 402, body: { error: 'NO_CREDITS', free_remaining: 0 } });
    expect(await call('/async-refuse')).toMatchObject({ status: 409, body: { error: 'COOLDOWN_ACTIVE', retry_after_seconds: 5 } });
    const boom = await call('/boom');
    expect(boom.status).toBe(500);
    expect(JSON.stringify(boom.body)).not.toMatch(/secret internals/);
    expect((await call('/nowhere')).status).toBe(404);
  });

  it('answers while a dependency is briefly unavailable (Postgres restarting) with 503 and Retry-After, not 500', async () => {
    const r = await call('/pg-restarting');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ error: 'UNAVAILABLE', retry_after_seconds: 1 });
  });

  it('answers input PostgreSQL cannot store (a NUL byte, a number out of range) with 422, not 500', async () => {
    expect(await call('/nul')).toMatchObject({ status: 422, body: { error: 'VALIDATION_FAILED' } });
    expect(await call('/offset')).toMatchObject({ status: 422, body: { error: 'VALIDATION_FAILED' } }); // found by Schemathesis
  });

  it('answers a path parameter that is not percent-encoded UTF-8 with 400, not 500', async () => {
    expect(await call('/things/%C3%BC')).toMatchObject({ status: 200, body: { id: 'ü' } });
    for (const bad of ['%FF', '%E0%A4', 'a%', '%C0%AF']) {
      expect(await call(`/things/${bad}`)).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    }
  });

  it('decodes a gzip-encoded JSON body, and refuses a body that is not what its Content-Encoding says (400) or an unknown encoding (415)', async () => {
    const json = { 'content-type': 'application/json' };
    const gz = await call('/things', { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync('{"name":"zipped"}') });
    expect(gz).toMatchObject({ status: 201, body: { name: 'zipped' } });
    const lying = await call('/things', { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: '{"name":"plain"}' });
    expect(lying).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    const truncated = await call('/things', { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync('{"name":"cut short"}').subarray(0, 12) });
    expect(truncated).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    const unknown = await call('/things', { method: 'POST', headers: { ...json, 'content-encoding': 'compress' }, body: '{"name":"x"}' });
    expect(unknown).toMatchObject({ status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE' } });
    const charset = await call('/things', { method: 'POST', headers: { 'content-type': 'application/json; charset=klingon' }, body: '{"name":"x"}' });
    expect(charset).toMatchObject({ status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('sends nosniff, no referrer and no framing on every answer, and a CSP on /docs', async () => {
    for (const path of ['/healthz', '/nowhere', '/docs']) {
      const res = await fetch(server.url + path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    const docs = await fetch(server.url + '/docs');
    expect(docs.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(await docs.text()).not.toMatch(/<script>/);
  });

  it('never builds /openapi.json from the request’s Host header', async () => {
    // fetch will not send another Host: a plain http request does.
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/openapi.json`, { headers: { host: 'evil.example' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toContain('"openapi":"3.1.0"');
    expect(body).not.toContain('evil.example');
  });

  it('documents the shell in /openapi.json and serves /docs', async () => {
    const doc = await call('/openapi.json');
    expect(doc.body).toMatchObject({ openapi: '3.1.0', paths: { '/healthz': { get: { summary: expect.any(String) } } } });
    expect((await fetch(server.url + '/docs')).status).toBe(200);
  });

  it('propagates a caller request id', async () => {
    const res = await call('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });
});
