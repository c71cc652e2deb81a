import type { NextFunction, Request, Response } from 'express';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
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
/** How far a token's `iat` may be ahead of this clock (the issuer's clock may run a little fast). */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * One rule for a subject — a user, admin, mentor or service id — wherever it appears: a token's `sub`, a path, a
 * query, a body. 1–128 characters, letters and digits and `. _ : @ | + -`, starting with a letter or digit: what
 * every store and every workflow id (`user/<id>`) can hold, with no NUL, no control character, no space.
 */
export const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@|+-]{0,127}$/;
export const subjectId = z.string().regex(SUBJECT_PATTERN, 'an id of 1–128 letters, digits and . _ : @ | + -, starting with a letter or digit');

export async function signToken(principal: Principal, secret: string, expiresIn: string | number = '12h'): Promise<string> {
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(encoder.encode(secret));
}

/**
 * A token is accepted when it is HS256-signed with the secret, issued by `hourglass`, has an expiry (`exp`, required:
 * a token without one would never expire) that has not passed, was not issued in the future (`iat` at most
 * CLOCK_SKEW_SECONDS ahead), and names a known role and a subject that follows SUBJECT_PATTERN — the same rule in
 * every service, so an id one service takes is an id every other one takes too.
 */
export async function verifyToken(token: string, secret: string): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      throw new DomainError('UNAUTHENTICATED', 'Token issued in the future');
    }
    const role = payload.role;
    if (typeof payload.sub !== 'string' || !SUBJECT_PATTERN.test(payload.sub)) {
      throw new DomainError('UNAUTHENTICATED', 'Token subject is not a valid id (1–128 letters, digits and . _ : @ | + -)');
    }
    if (!roles.includes(role as Role)) throw new DomainError('UNAUTHENTICATED', 'Token lacks a known role');
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
