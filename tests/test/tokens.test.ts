import { SignJWT } from 'jose';
import { api, stack, tokenFor } from '@hourglass/testing';

// One token rule in every service: an expiry is required, an iat in the future is refused, and `sub` follows one
// charset and length everywhere (a 129-character sub used to start a session whose gate then answered 503, and a
// 10 kB one a 500 from Temporal's workflow id limit).
const sign = (build: (jwt: SignJWT) => SignJWT) => build(new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('hourglass')).sign(new TextEncoder().encode(stack.jwtSecret));
const now = () => Math.floor(Date.now() / 1000);

const reads = () => [
  [stack.sessionsUrl, '/api/users/me/gate'],
  [stack.billingUrl, '/api/users/credits'],
  [stack.notificationsUrl, '/api/users/me/notification-preferences'],
] as const;

test.each([
  ['no exp (it would never expire)', () => sign((jwt) => jwt.setSubject('tok-no-exp').setIssuedAt())],
  ['iat an hour in the future', () => sign((jwt) => jwt.setSubject('tok-future').setIssuedAt(now() + 3600).setExpirationTime(now() + 7200))],
  ['a sub of 129 characters', () => tokenFor('s'.repeat(129))],
  ['a sub of 10 kB', () => tokenFor('s'.repeat(10_000))],
  ['a sub with a NUL byte', () => tokenFor('tok\u0000nul')],
])('%s → 401 from every service, before anything is done', async (_what, token) => {
  const t = await token();
  for (const [base, path] of reads()) {
    expect(await api(base, path, { token: t })).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
  }
  const start = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: t, body: { mode: 'intake' } });
  expect(start).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
});

test('a sub of exactly 128 characters is accepted by every service', async () => {
  const t = await tokenFor(`t${'s'.repeat(127)}`);
  for (const [base, path] of reads()) expect((await api(base, path, { token: t })).status).toBe(200);
});
