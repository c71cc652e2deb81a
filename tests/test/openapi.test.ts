import { api, stack, tokenFor } from '@hourglass/testing';

// Issue 9: every endpoint is in its service's OpenAPI 3.1 document (generated from the zod schemas that validate
// it), the docs render, and every admin route refuses a non-admin token — checked over the whole list.
jest.setTimeout(60_000);

const services = () => ({ sessions: stack.sessionsUrl, billing: stack.billingUrl, notifications: stack.notificationsUrl });
type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; 'x-roles'?: string[] }>> };
const docOf = async (url: string) => (await api<Doc>(url, '/openapi.json')).body;

test('each service serves an OpenAPI 3.1 document and a docs page', async () => {
  for (const [name, url] of Object.entries(services())) {
    const doc = await docOf(url);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    const docs = await fetch(new URL('/docs', url));
    expect(`${name} ${docs.status}`).toBe(`${name} 200`);
    expect(await docs.text()).toContain('swagger-ui');
    expect((await fetch(new URL('/docs/assets/swagger-ui-bundle.js', url))).status).toBe(200);
  }
  const sessions = await docOf(stack.sessionsUrl);
  const start = sessions.paths['/api/sessions']!.post as unknown as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
  expect(start.requestBody.content['application/json']!.schema.required).toEqual(['mode']); // from startSessionBody
});

// The document carries express's own route table (`x-express-routes`, walked from the running app) and what is
// deliberately outside the API (`x-outside-api`: the demo page, the console, the docs): every route express would
// dispatch to is an operation of the document or under one of those, and every operation is a route express has.
test('every registered express route of every service is in its document, and every operation is a registered route', async () => {
  const toExpress = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');
  const admin = await tokenFor(`openapi-probe-${Date.now()}`, 'admin');
  for (const [name, url] of Object.entries(services())) {
    const doc = (await api<Doc & { 'x-express-routes': string[]; 'x-outside-api': Record<string, string> }>(url, '/openapi.json')).body;
    const registered = doc['x-express-routes'];
    const outside = Object.keys(doc['x-outside-api']);
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${toExpress(p)}`));
    const isOutside = (route: string) => outside.some((prefix) => { const p = route.split(' ')[1]!; return p === prefix || p.startsWith(`${prefix}/`); });
    expect({ name, undocumented: registered.filter((r) => !operations.includes(r) && !isOutside(r)) }).toEqual({ name, undocumented: [] });
    expect({ name, unregistered: operations.filter((o) => !registered.includes(o)) }).toEqual({ name, unregistered: [] });
    expect(registered.length).toBeGreaterThan(operations.length > 3 ? 3 : 0);
    // …and the table is the live one: each operation, called, is answered by its route, never the shell's "No route"
    // (an admin token gets past each router's auth; a JSON array is no operation's body, so nothing is changed).
    for (const op of operations) {
      const [method, p] = op.split(' ') as [string, string];
      const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
      const res = await fetch(new URL(p.replace(/:\w+/g, '00000000-0000-4000-8000-000000000000'), url), {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(withBody ? { 'content-type': 'application/json' } : {}) },
        body: withBody ? '[]' : undefined,
        signal: AbortSignal.timeout(5000),
      }).catch(() => null);
      if (res === null) continue; // a stream that does not answer in time is a route that answered
      const body = await res.text().catch(() => '');
      expect(`${name} ${op} → ${res.status} ${body.includes('No route for') ? 'no route' : ''}`.trim()).not.toMatch(/no route$/);
    }
  }
  const sessions = (await api<{ 'x-outside-api': Record<string, string> }>(stack.sessionsUrl, '/openapi.json')).body;
  expect(Object.keys(sessions['x-outside-api']).sort()).toEqual(['/console', '/demo', '/docs', '/openapi.json']);
});

test('a non-admin token gets 403 on every admin route of every service', async () => {
  const user = await tokenFor('not-an-admin');
  const checked: string[] = [];
  const wrong: string[] = [];
  for (const [name, url] of Object.entries(services())) {
    const doc = await docOf(url);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!p.startsWith('/admin/') && !op['x-roles']?.includes('admin')) continue;
        const concrete = p.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await api(url, concrete, { method: method.toUpperCase(), token: user, body: ['post', 'put', 'patch'].includes(method) ? {} : undefined });
        checked.push(`${name} ${method} ${p}`);
        if (res.status !== 403) wrong.push(`${name} ${method.toUpperCase()} ${p} → ${res.status}`);
      }
    }
  }
  expect(wrong).toEqual([]);
  expect(checked.length).toBeGreaterThanOrEqual(18); // 18 when written: a shrinking list means routes fell out of the documents
});
