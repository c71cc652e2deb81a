import express, { Router } from 'express';
import { z } from 'zod';
import { ApiDocument, route } from '../src/openapi';

// The document comes from the declarations that also register the routes: what validates is what is documented.
test('a declared route is registered and documented from the same schemas', async () => {
  const body = z.object({ mode: z.string().min(1), minutes: z.number().int().max(240).optional() });
  const router = Router();
  route(router, 'post', '/things/:id', { summary: 'Make a thing', params: z.object({ id: z.uuid() }), body, responses: { 201: { description: 'made', schema: z.object({ id: z.string() }) } }, errors: ['NOT_FOUND'] }, (_req, res) => {
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
  expect(Object.keys(op.responses).sort()).toEqual(['201', '400', '401', '404', '413', '422']);
  expect(op.security).toEqual([{ bearer: [] }]);
});
