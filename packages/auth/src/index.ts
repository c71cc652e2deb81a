import type { NextFunction, Request, Response } from 'express';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { DomainError } from '@hourglass/errors';

export const roles = ['user', 'admin', 'service'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  sub: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const ISSUER = 'hourglass';
const encoder = new TextEncoder();

export async function signToken(principal: Principal, secret: string, expiresIn: string | number = '12h'): Promise<string> {
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(encoder.encode(secret));
}

export async function verifyToken(token: string, secret: string): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), { issuer: ISSUER, algorithms: ['HS256'] });
    const role = payload.role;
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || !roles.includes(role as Role)) {
      throw new DomainError('UNAUTHENTICATED', 'Token lacks a subject or a known role');
    }
    return { sub: payload.sub, role: role as Role };
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const expired = e instanceof joseErrors.JWTExpired;
    throw new DomainError('UNAUTHENTICATED', expired ? 'Token expired' : 'Invalid token');
  }
}

/**
 * Express middleware: a valid bearer token is required (401 otherwise); when roles are given, the token's role must
 * be one of them (403 otherwise).
 */
export function requireAuth(secret: string, allowed?: readonly Role[], { queryToken = false }: { queryToken?: boolean } = {}) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.header('authorization');
    const match = header?.match(/^Bearer\s+(.+)$/i);
    // EventSource cannot send headers: streams may take the token from ?access_token= instead.
    const fromQuery = queryToken && typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
    const token = match?.[1] ?? fromQuery;
    if (!token) return next(new DomainError('UNAUTHENTICATED', 'Missing bearer token'));
    try {
      const principal = await verifyToken(token, secret);
      if (allowed && !allowed.includes(principal.role)) {
        return next(new DomainError('FORBIDDEN', `Role ${principal.role} may not do this`, { required_roles: allowed }));
      }
      req.principal = principal;
      next();
    } catch (e) {
      next(e);
    }
  };
}

/** The authenticated principal of a request that went through requireAuth. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new DomainError('UNAUTHENTICATED', 'Not authenticated');
  return req.principal;
}

/** Admins and internal services may act on anyone's behalf. */
export function isPrivileged(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'service';
}
