import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { DomainError } from '@hourglass/errors';
import { pagePolicy } from '@hourglass/http';

export interface AdminConsoleOptions {
  /** Base URLs of the services the console talks to, by name (sessions, billing, notifications). */
  upstreams: Record<string, string>;
  /** The Temporal Web UI, for links to each workflow; omitted → no links. */
  temporalUiUrl?: string;
  temporalNamespace: string;
}

const assets = path.resolve(__dirname, '../public');
const FORWARDED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id'];

/**
 * The operators' console, mounted by one service (sessions, at /console): static pages plus a narrow same-origin
 * relay to the services' `/admin/*` and `/api/*` routes, so the browser needs no CORS. The relay adds no power: the
 * admin's own bearer token goes through and each service checks the role itself.
 */
export function adminConsole(o: AdminConsoleOptions): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('content-security-policy', pagePolicy("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'"));
    next();
  });
  router.get('/config.json', (_req, res) => {
    res.json({ temporal_ui_url: o.temporalUiUrl ?? null, temporal_namespace: o.temporalNamespace, services: Object.keys(o.upstreams) });
  });
  router.use('/relay/:service', (req: Request, res: Response, next) => {
    relay(o, req, res).catch(next);
  });
  router.use(express.static(assets, { index: 'index.html' }));
  return router;
}

async function relay(o: AdminConsoleOptions, req: Request, res: Response): Promise<void> {
  const base = o.upstreams[String(req.params.service)];
  if (!base) throw new DomainError('NOT_FOUND', `No service ${req.params.service}`);
  const target = new URL(req.url, base);
  // Only the services' own API surfaces: never an arbitrary URL or an internal endpoint.
  if (!/^\/(admin|api)\//.test(target.pathname) || target.origin !== new URL(base).origin) throw new DomainError('FORBIDDEN', 'The console relays /admin and /api paths only');
  const headers: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) {
    const v = req.header(h);
    if (v) headers[h] = v;
  }
  const hasBody = !['GET', 'HEAD'].includes(req.method);
  const upstream = await fetch(target, {
    method: req.method,
    headers,
    body: hasBody ? ((req as Request & { rawBody?: Buffer }).rawBody ?? (req.body !== undefined ? JSON.stringify(req.body) : undefined)) : undefined,
    signal: AbortSignal.timeout(20_000),
  }).catch((e: unknown) => {
    req.log?.warn({ err: e, upstream: req.params.service }, 'console relay: no answer');
    throw new DomainError('UNAVAILABLE', 'The service did not answer; retry in a moment');
  });
  res.status(upstream.status);
  const type = upstream.headers.get('content-type');
  if (type) res.setHeader('content-type', type);
  res.send(Buffer.from(await upstream.arrayBuffer()));
}
