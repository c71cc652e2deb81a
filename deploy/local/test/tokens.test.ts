import { verifyToken } from '@hourglass/auth';
import { devToken } from '../src/tokens';

describe('dev tokens', () => {
  it.each(['user', 'admin'] as const)('are accepted by @hourglass/auth as %s', async (role) => {
    const token = await devToken(`dev-${role}`, role, 'hourglass-dev-secret');
    await expect(verifyToken(token, 'hourglass-dev-secret')).resolves.toEqual({ sub: `dev-${role}`, role });
  });

  it('are rejected with another secret', async () => {
    const token = await devToken('dev-user', 'user', 'hourglass-dev-secret');
    await expect(verifyToken(token, 'other-secret')).rejects.toThrow();
  });
});
