import { SignJWT } from 'jose';
import { silentLogger } from '@hourglass/logger';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { principalOf, requireAuth, signToken, verifyToken } from '../src';

const secret = 'test-secret-of-sufficient-length';

describe('auth', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const { app } = createHttpApp({
      service: 'auth-test',
      logger: silentLogger(),
      readiness: [],
      routes: (app) => {
        app.get('/me', requireAuth(secret), (req, res) => { res.json(principalOf(req)); });
        app.get('/admin', requireAuth(secret, ['admin']), (_req, res) => { res.json({ ok: true }); });
      },
    });
    server = await listen(app, 0);
  });
  afterAll(() => server.close());

  const get = (path: string, token?: string) =>
    fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('accepts a valid token and exposes the principal', async () => {
    const token = await signToken({ sub: 'user-1', role: 'user' }, secret);
    expect(await get('/me', token)).toEqual({ status: 200, body: { sub: 'user-1', role: 'user' } });
  });

  it('401 JSON for missing, forged, expired or role-less tokens', async () => {
    expect(await get('/me')).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
    const forged = await signToken({ sub: 'user-1', role: 'admin' }, 'another-secret-of-enough-length');
    expect((await get('/me', forged)).status).toBe(401);
    const expired = await signToken({ sub: 'user-1', role: 'user' }, secret, Math.floor(Date.now() / 1000) - 10);
    expect(await get('/me', expired)).toMatchObject({ status: 401, body: { message: 'Token expired' } });
    const noRole = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('hourglass').sign(new TextEncoder().encode(secret));
    expect((await get('/me', noRole)).status).toBe(401);
    expect((await get('/me', 'not-a-jwt')).status).toBe(401);
  });

  it('403 JSON for the wrong role', async () => {
    const user = await signToken({ sub: 'user-1', role: 'user' }, secret);
    expect(await get('/admin', user)).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    const admin = await signToken({ sub: 'ops', role: 'admin' }, secret);
    expect((await get('/admin', admin)).status).toBe(200);
  });

  it('verifyToken rejects tokens with alg none', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"admin","iss":"hourglass"}').toString('base64url')}.`;
    await expect(verifyToken(unsigned, secret)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
