import { SignJWT } from 'jose';

/**
 * Ready-made bearer tokens for trying the APIs by hand. Same claims as @hourglass/auth's signToken
 * (HS256, sub, role, issuer "hourglass"); a unit test checks that its verifyToken accepts them.
 */

export type DevRole = 'user' | 'admin';

export const TOKEN_ISSUER = 'hourglass';

export function devToken(sub: string, role: DevRole, secret: string, expiresIn = '30d'): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
