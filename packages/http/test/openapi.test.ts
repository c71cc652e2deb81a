import express, { Router } from 'express';
import { z } from 'zod';
import { ApiDocument, route } from '../src/openapi';

// The document comes from the declarations that also register the routes: what validates is what is documented.
test('a declared route is registered and documented from the same schemas', async () => {
  const body = z.object({ mode: z.string().min(1), minutes: z.number().int().max(240).optional() });
  const router = Router();
  route(router, 'post', '/things/:id', { summary: 'Make a thing', params: z.object({ id: z.uuid() }), body, responses: { 201: { description: 'made', schema: z.object({ id: z.string() }), links: { again: { to: ['post', '/api/things/:id'], parameters: { id: '$response.body#/id' } }, gone: { to: ['get', '/nowhere'], parameters: {} } } } }, errors: ['NOT_FOUND'] }, (_req, res) => {
    res.status(201).json({ id: 'x' });
  });
  const app = express();
  const api = new ApiDocument({ title: 't', version: '1' });
  api.mount(app, '/api', router);

  expect(api.routes()).toEqual([{ method: 'post', path: '/api/things/:id' }]);
  const doc = api.document() as any;
  const op = doc.paths['/api/things/{id}'].post;
  expect(op.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['mode'], properties: { minutes: { type: 'integer', maximum: 240 } } });
  expect(op.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
  expect(op.parameters[0].schema.pattern).toBeUndefined(); // the format says it; no 500-character regex
  expect(Object.keys(op.responses).sort()).toEqual(['201', '400', '401', '404', '413', '415', '422']);
  expect(op.security).toEqual([{ bearer: [] }]);
  // Links name their target by operationId; a link to an operation the document lacks is left out.
  expect(op.responses['201'].links).toEqual({ again: { operationId: 'postApiThingsId', parameters: { id: '$response.body#/id' } } });
  expect(op.operationId).toBe('postApiThingsId');
});

// The handler gets the request as the declaration's schemas parse it; what fails them never reaches it.
test('a declared route parses its input with the documented schemas before the handler runs', async () => {
  const { createHttpApp, listen } = await import('../src');
  const { silentLogger } = await import('@hourglass/logger');
  const seen: unknown[] = [];
  const spec = {
    summary: 'Read a thing',
    params: z.object({ id: z.uuid() }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(5).default(2) }),
    headers: z.object({ 'Idempotency-Key': z.string().min(1).max(8).optional().describe('the same key, the same answer') }),
    body: z.object({ name: z.string().min(1) }),
    responses: { 200: { description: 'echo', schema: z.object({ ok: z.boolean() }) } },
  };
  const router = Router();
  route(router, 'post', '/things/:id', spec, (_req, res, input) => {
    const limit: number = input.query.limit; // typed from the schema
    // @ts-expect-error — not in the schema, so not in the input
    void input.body.nope;
    seen.push({ ...input, limit });
    res.json({ ok: true });
  });
  route(router, 'get', '/things/special', { summary: 'A concrete path beside the templated one', responses: { 200: { description: 'ok' } } }, (_req, res) => {
    res.json({});
  });
  const { app, api } = createHttpApp({ service: 't', logger: silentLogger(), readiness: [], routes: (app, api) => {
    api.mount(app, '/api', router);
    app.get('/stray', (_req, res) => { res.json({}); });
  } });
  const server = await listen(app, 0);
  try {
    const id = '00000000-0000-4000-8000-000000000000';
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post(`/api/things/${id}?limit=3`, { name: 'x', extra: 1 }, { 'idempotency-key': 'k1' })).status).toBe(200);
    expect(seen).toEqual([{ params: { id }, query: { limit: 3 }, headers: { 'Idempotency-Key': 'k1' }, body: { name: 'x' }, limit: 3 }]);
    expect((await post('/api/things/not-a-uuid', { name: 'x' })).status).toBe(422);
    expect((await post(`/api/things/${id}?limit=9`, { name: 'x' })).status).toBe(422);
    expect((await post(`/api/things/${id}`, { name: 'x' }, { 'idempotency-key': 'far-too-long' })).status).toBe(422);
    expect((await post(`/api/things/${id}`, {})).status).toBe(422);
    expect(seen).toHaveLength(1);
    // A served path asked with another method: 405 with Allow; an unknown path stays 404.
    const del = await fetch(`${server.url}/api/things/${id}`, { method: 'DELETE' });
    expect({ status: del.status, allow: del.headers.get('allow'), error: ((await del.json()) as { error: string }).error }).toEqual({ status: 405, allow: 'POST', error: 'METHOD_NOT_ALLOWED' });
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).headers.get('allow')).toBe('GET, HEAD');
    const options = await fetch(`${server.url}/api/things/${id}`, { method: 'OPTIONS' });
    expect({ status: options.status, allow: options.headers.get('allow') }).toEqual({ status: 204, allow: 'POST' });
    // A concrete path wins over a templated one (as in OpenAPI): /api/things/special is GET only.
    expect((await fetch(`${server.url}/api/things/special`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status).toBe(405);
    expect((await fetch(`${server.url}/api/things/special`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/nothing`, { method: 'DELETE' })).status).toBe(404);

    const doc = (await (await fetch(server.url + '/openapi.json')).json()) as any;
    const op = doc.paths['/api/things/{id}'].post;
    expect(op.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'limit', in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', maximum: 5, default: 2 }) }),
        { name: 'Idempotency-Key', in: 'header', required: false, description: 'the same key, the same answer', schema: { type: 'string', minLength: 1, maxLength: 8 } },
      ]),
    );
    // Express's own table is in the document; the stray app.get is the one route outside it.
    expect(doc['x-express-routes']).toEqual(expect.arrayContaining(['POST /api/things/:id', 'GET /stray', 'GET /healthz', 'GET /openapi.json']));
    expect(api.undocumented()).toEqual([{ method: 'get', path: '/stray' }]);
  } finally {
    await server.close();
  }
});
