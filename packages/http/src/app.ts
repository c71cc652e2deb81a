import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import { withTraceId, type Logger } from '@hourglass/logger';
import { z } from 'zod';
import { errorHandler, methodHandler, notFoundHandler } from './errors';
import { serveDocs } from './docs';
import { collectProcessMetrics, counter, histogram, processRegistry } from './metrics';
import { ApiDocument } from './openapi';
import { enterRequestScope } from './request-scope';
import { securityHeaders } from './security-headers';

export interface ReadinessCheck {
  name: string;
  /**
   * `local`: about this process only (its worker runs); `dependency` (default): a shared service answers (Postgres,
   * Kafka, Temporal). With readinessScope `local`, /readyz runs only the local ones.
   */
  scope?: 'local' | 'dependency';
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check: () => Promise<unknown>;
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Which checks /readyz runs (READINESS_SCOPE): all of them (default), or only the process's own. */
  readinessScope?: 'dependencies' | 'local';
  /** Adds the service's routes (mount routers with `api.mount` so they appear in /openapi.json); runs after the
   *  shell's middleware and before its 404/error handlers. */
  routes?: (app: Express, api: ApiDocument) => void;
  /** Version for the OpenAPI document (default 0.1.0). */
  version?: string;
  /** Bodies larger than this are refused with 413 (JSON and raw webhook bodies alike). */
  bodyLimit?: string;
}

export interface HttpApp {
  app: Express;
  registry: Registry;
  api: ApiDocument;
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    /** The exact bytes received, kept for signature verification of webhooks. */
    rawBody?: Buffer;
  }
}

const READINESS_TIMEOUT_MS = 2000;

/**
 * The shell every Hourglass HTTP process shares: request ids, JSON logs, JSON bodies (raw bytes kept),
 * /healthz, /readyz, /metrics, then the service's routes, then 404 and error handlers that always answer JSON.
 */
export function createHttpApp({ service, logger, readiness: allChecks, readinessScope = 'dependencies', routes, bodyLimit = '1mb', version = '0.1.0' }: HttpAppOptions): HttpApp {
  const readiness = readinessScope === 'local' ? allChecks.filter((c) => c.scope === 'local') : allChecks;
  const registry = processRegistry;
  collectProcessMetrics(service);
  const requests = counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'] });
  const duration = histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // First, and synchronously in the server's 'request' event: an error nothing caught is then known to be this
  // request's (request-scope.ts), so it fails the request, not the process.
  app.use(enterRequestScope);
  app.use(securityHeaders);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.id);
    const end = duration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = routeLabel(req);
      end({ route });
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as Request).id,
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  app.use(
    express.json({
      limit: bodyLimit,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        (req as Request).rawBody = Buffer.from(buf);
      },
    }),
  );
  // The request id is the trace id of everything this request sets going (logs, workflows, events). Set after the
  // body parser: it calls next() from the request stream's callbacks, which would not carry the context on.
  app.use((req: Request, _res: Response, next: NextFunction) => withTraceId(req.id, next));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), READINESS_TIMEOUT_MS);
          return { name, ok: true };
        } catch (e) {
          return { name, ok: false, error: (e as Error).message };
        }
      }),
    );
    const ok = results.every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', service, checks: results });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });

  const api = new ApiDocument({ title: `Hourglass ${service}`, version, description: `The ${service} service's HTTP API. Errors are \`{ error, message, ...details, request_id }\`.` });
  const readyBody = z.object({ status: z.enum(['ready', 'not_ready']), service: z.string(), checks: z.array(z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })) });
  api.add('get', '/healthz', { summary: 'Liveness: the process answers', auth: 'none', tags: ['operations'], responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('ok'), service: z.string() }) } } });
  api.add('get', '/readyz', { summary: 'Readiness: every dependency answers', auth: 'none', tags: ['operations'], responses: { 200: { description: 'ready', schema: readyBody }, 503: { description: 'a dependency does not answer', schema: readyBody } } });
  api.add('get', '/metrics', { summary: 'Prometheus metrics', auth: 'none', tags: ['operations'], responses: { 200: { description: 'text exposition format', contentType: 'text/plain' } } });
  app.use(methodHandler(() => api.expressRoutes()));
  routes?.(app, api);
  // The server is this document's own origin, given relative: never built from the request's Host header.
  app.get('/openapi.json', (_req, res) => {
    res.json(api.document('/'));
  });
  serveDocs(app, service);
  api.outsideOf('/openapi.json', 'this document');
  api.outsideOf('/docs', 'the rendered documentation (Swagger UI)');
  api.takeInventory(app);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return { app, registry, api };
}

function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: string } }).route?.path;
  return route ? `${req.baseUrl}${route}` : 'unmatched';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
