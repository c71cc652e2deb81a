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

  const raw = (claims: Record<string, unknown>, build: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
    build(new SignJWT({ role: 'user', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('hourglass')).sign(new TextEncoder().encode(secret));
  const now = () => Math.floor(Date.now() / 1000);

  it('401 for a token that would never expire (no exp)', async () => {
    const forever = await raw({}, (jwt) => jwt.setSubject('user-1').setIssuedAt());
    expect(await get('/me', forever)).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
  });

  it('401 for a token issued in the future beyond the clock skew; a few seconds ahead is fine', async () => {
    const future = await raw({}, (jwt) => jwt.setSubject('user-1').setIssuedAt(now() + 3600).setExpirationTime(now() + 7200));
    expect(await get('/me', future)).toMatchObject({ status: 401, body: { message: 'Token issued in the future' } });
    const skewed = await raw({}, (jwt) => jwt.setSubject('user-1').setIssuedAt(now() + 20).setExpirationTime(now() + 3600));
    expect((await get('/me', skewed)).status).toBe(200);
  });

  it('one rule for sub: 1–128 letters, digits and . _ : @ | + -; NUL, control characters, spaces and longer ids are 401', async () => {
    for (const sub of ['user-1', 'auth0|5f3a', 'a.b_c:d@e+f', 'x'.repeat(128)]) {
      expect(await get('/me', await signToken({ sub, role: 'user' }, secret))).toEqual({ status: 200, body: { sub, role: 'user' } });
    }
    for (const sub of ['a\u0000b', 'a\nb', 'two words', '', 'x'.repeat(129), 'x'.repeat(10_000), '-leading', 'ü']) {
      const token = await raw({}, (jwt) => jwt.setSubject(sub).setIssuedAt().setExpirationTime('1h'));
      expect(await get('/me', token)).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
    }
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
