import type { NextFunction, Request, Response } from 'express';

/**
 * Headers every answer carries, JSON and HTML alike: no MIME sniffing, no Referer sent on (a download link or a
 * demo URL carries a signature or an id), and no page of ours inside someone else's frame (clickjacking on the
 * console and the demo page). Pages add their Content-Security-Policy with `pagePolicy`.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  next();
}

/**
 * The Content-Security-Policy of an HTML surface (console, demo, docs): its own directives, then what every page
 * shares — framed by nobody (`frame-ancestors`, the modern X-Frame-Options), no <base> rewriting, forms post only
 * to this origin, no plugins.
 */
export function pagePolicy(directives: string): string {
  return `${directives}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`;
}
