import type { Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { errorStatus, type ErrorCode } from '@hourglass/errors';
import { parseInput } from './validate';

/**
 * OpenAPI 3.1 from the zod schemas that validate each request: a route is declared once — method, path, the
 * schemas of its path, query, headers and body, what it answers — and that declaration both registers the express
 * route (which parses the request with those schemas and hands the parsed input to the handler) and becomes its
 * operation in `/openapi.json`. What is validated is what is documented: they cannot drift.
 */

export type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface ResponseSpec {
  description: string;
  /** A zod schema of the JSON body; omitted → any JSON object. */
  schema?: z.ZodType;
  /** Non-JSON bodies (text/event-stream, application/octet-stream, text/html). */
  contentType?: string;
  /** OpenAPI links: operations (by method and full express path) that take a value of this answer, e.g.
   *  `{ end: { to: ['post', '/api/sessions/:id/end'], parameters: { id: '$response.body#/session/id' } } }`. */
  links?: Record<string, { to: readonly [Method, string]; parameters: Readonly<Record<string, string>> }>;
}

type ObjectSchema = z.ZodObject;

export interface OperationSpec {
  summary: string;
  description?: string;
  tags?: readonly string[];
  /** How the caller proves who it is: a bearer JWT (default), nothing, or the request's signature (webhooks). */
  auth?: 'bearer' | 'none' | 'signature';
  /** Roles allowed (documentation of what requireAuth enforces). */
  roles?: readonly string[];
  /** Middleware that runs before the input is parsed (a per-route requireAuth). */
  use?: readonly RequestHandler[];
  params?: ObjectSchema;
  query?: ObjectSchema;
  /** Request headers by their canonical name (`Idempotency-Key`); read case-insensitively. */
  headers?: ObjectSchema;
  body?: z.ZodType;
  /** `json` (default when body is given), `multipart` (a file part named `file`), `raw` (signed webhook bytes):
   *  only a JSON body is parsed before the handler; the others are documented and read by the handler. */
  bodyType?: 'json' | 'multipart' | 'raw';
  responses: Record<number, ResponseSpec>;
  /** Refusals this operation may answer (beyond 401/403/422, which follow from auth and input). */
  errors?: readonly ErrorCode[];
}

type Parsed<S, K extends string, Fallback> = S extends { [k in K]: infer T extends z.ZodType } ? z.output<T> : Fallback;

/** What the handler of a declared route receives: the request parsed by the declaration's own schemas. */
export interface RouteInput<S extends OperationSpec> {
  params: Parsed<S, 'params', Record<string, never>>;
  query: Parsed<S, 'query', Record<string, never>>;
  headers: Parsed<S, 'headers', Record<string, never>>;
  body: S extends { bodyType: 'raw' | 'multipart' } ? undefined : Parsed<S, 'body', undefined>;
}

export type RouteHandler<S extends OperationSpec> = (req: Request, res: Response, input: RouteInput<S>, next: NextFunction) => unknown;

interface Declared {
  method: Method;
  path: string;
  spec: OperationSpec;
}

const declared = new WeakMap<Router, Declared[]>();

/** The request, parsed with the declaration's schemas: a failure is the shell's 422 naming each field. */
function parseRequest(spec: OperationSpec, req: Request): RouteInput<OperationSpec> {
  const headers = spec.headers ? Object.fromEntries(Object.keys(spec.headers.shape).map((name) => [name, req.header(name)])) : {};
  return {
    params: spec.params ? parseInput(spec.params, req.params, 'path') : {},
    headers: spec.headers ? parseInput(spec.headers, headers, 'headers') : {},
    query: spec.query ? parseInput(spec.query, req.query, 'query') : {},
    body: spec.body && (spec.bodyType ?? 'json') === 'json' ? parseInput(spec.body, req.body ?? {}) : undefined,
  } as RouteInput<OperationSpec>;
}

/**
 * Declares a route: registers it on the router (its `use` middleware, then the input parsed with its schemas, then
 * the handler with that input) and records its OpenAPI operation.
 */
export function route<const S extends OperationSpec>(router: Router, method: Method, path: string, spec: S, handler: RouteHandler<S>): void {
  const run: RequestHandler = async (req, res, next) => {
    await handler(req, res, parseRequest(spec, req) as RouteInput<S>, next);
  };
  (router[method] as (path: string, ...h: RequestHandler[]) => unknown).call(router, path, ...(spec.use ?? []), run);
  const list = declared.get(router) ?? [];
  list.push({ method, path, spec });
  declared.set(router, list);
}

const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');
const operationIdOf = (method: Method, expressPath: string) => `${method}${expressPath.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return withoutFormatPatterns(rest) as Record<string, unknown>;
};

/** zod spells formats (uuid, date-time, email) out as long regexes too; `format` says it, readably, for every tool. */
function withoutFormatPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutFormatPatterns);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const obj = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'pattern' && typeof obj.format === 'string') continue;
    out[k] = withoutFormatPatterns(v);
  }
  return out;
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

export interface ExpressRoute {
  method: string;
  path: string;
}

/** Every route express itself would dispatch to (methods of `app.METHOD` / `router.METHOD`, mounted routers walked). */
export function expressRoutes(app: Express): ExpressRoute[] {
  interface Layer {
    route?: { path: unknown; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
    rawPath?: unknown;
  }
  const out: ExpressRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on) out.push({ method: method === '_all' ? 'all' : method, path: `${prefix}${String(layer.route.path)}` });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, layer.rawPath === '/' || layer.rawPath === undefined ? prefix : `${prefix}${String(layer.rawPath)}`);
      }
    }
  };
  walk(((app as unknown as { router: { stack: Layer[] } }).router?.stack ?? []), '');
  return out;
}

/** Collects every mounted router's operations into one OpenAPI 3.1 document. */
export class ApiDocument {
  private readonly operations: Array<Declared & { fullPath: string }> = [];
  private readonly outside: Record<string, string> = {};
  private inventory: ExpressRoute[] = [];
  constructor(private readonly info: ApiInfo) {}

  /** app.use(prefix, router), and the router's declared routes under that prefix. */
  mount(app: Express, prefix: string, router: Router): void {
    app.use(prefix, router);
    for (const d of declared.get(router) ?? []) this.operations.push({ ...d, fullPath: `${prefix}${d.path}` });
  }

  /** app.use(prefix, handler) for what is not part of the API (HTML pages, static assets), named with why. */
  mountOutside(app: Express, prefix: string, handler: RequestHandler, why: string): void {
    app.use(prefix, handler);
    this.outside[prefix] = why;
  }

  /** A path the app serves itself outside the API (this document, the docs page). */
  outsideOf(prefix: string, why: string): void {
    this.outside[prefix] = why;
  }

  /** Records express's own route table (after every route is added), which the document carries for checking. */
  takeInventory(app: Express): void {
    this.inventory = expressRoutes(app);
  }

  /** Express's route table as taken by takeInventory. */
  expressRoutes(): ExpressRoute[] {
    return this.inventory;
  }

  /** Express routes neither documented nor under a prefix declared outside the API: should be none. */
  undocumented(): ExpressRoute[] {
    const documented = new Set(this.operations.map((o) => `${o.method} ${o.fullPath}`));
    const outside = Object.keys(this.outside);
    return this.inventory.filter((r) => !documented.has(`${r.method} ${r.path}`) && !outside.some((p) => r.path === p || r.path.startsWith(`${p}/`)));
  }

  /** Operations declared directly on the app (the shell's health endpoints). */
  add(method: Method, path: string, spec: OperationSpec): void {
    this.operations.push({ method, path, fullPath: path, spec });
  }

  routes(): Array<{ method: Method; path: string }> {
    return this.operations.map((o) => ({ method: o.method, path: o.fullPath }));
  }

  document(serverUrl?: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.operations) {
      const p = toOpenApiPath(op.fullPath);
      paths[p] ??= {};
      paths[p][op.method] = this.operation(op);
    }
    return {
      openapi: '3.1.0',
      info: this.info,
      ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
      paths,
      // Express's own route table and what is deliberately left out, so a test can hold the two against each other.
      'x-express-routes': this.inventory.map((r) => `${r.method.toUpperCase()} ${r.path}`),
      'x-outside-api': this.outside,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT with `sub` and `role` (user, admin, service), issuer `hourglass`' } },
        schemas: {
          Error: {
            type: 'object',
            required: ['error', 'message'],
            properties: { error: { type: 'string', description: 'A code from the one error table' }, message: { type: 'string' }, request_id: { type: 'string' } },
            additionalProperties: true,
          },
        },
      },
    };
  }

  private operation({ method, fullPath, spec }: Declared & { fullPath: string }): Record<string, unknown> {
    const parameters: unknown[] = [];
    const pathNames = [...fullPath.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const paramProps = spec.params ? ((jsonSchema(spec.params, 'input').properties ?? {}) as Record<string, unknown>) : {};
    for (const name of pathNames) parameters.push({ name, in: 'path', required: true, schema: paramProps[name] ?? { type: 'string', minLength: 1 } });
    if (spec.query) {
      const q = jsonSchema(spec.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
    if (spec.headers) {
      const h = jsonSchema(spec.headers, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
      for (const [name, { description, ...schema }] of Object.entries(h.properties ?? {})) {
        parameters.push({ name, in: 'header', required: (h.required ?? []).includes(name), ...(description ? { description } : {}), schema });
      }
    }

    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      // Links only to operations this document has (a service may mount a router without its admin half).
      const links = Object.entries(r.links ?? {}).filter(([, l]) => this.operations.some((o) => o.method === l.to[0] && o.fullPath === l.to[1]));
      responses[status] = {
        description: r.description,
        content: { [r.contentType ?? 'application/json']: { schema: r.schema ? jsonSchema(r.schema, 'output') : r.contentType ? {} : { type: 'object' } } },
        ...(links.length ? { links: Object.fromEntries(links.map(([name, l]) => [name, { operationId: operationIdOf(...l.to), parameters: l.parameters }])) } : {}),
      };
    }
    const errorCodes = new Set<ErrorCode>(spec.errors ?? []);
    const auth = spec.auth ?? 'bearer';
    if (auth === 'bearer') errorCodes.add('UNAUTHENTICATED');
    if (auth === 'bearer' && spec.roles) errorCodes.add('FORBIDDEN');
    if (spec.params || spec.query || spec.body || spec.headers) errorCodes.add('VALIDATION_FAILED');
    // Any body may be malformed, too large, or sent in an encoding the shell does not decode: 400 / 413 / 415
    // before the route runs.
    if (spec.body || spec.bodyType) {
      errorCodes.add('BAD_REQUEST');
      errorCodes.add('PAYLOAD_TOO_LARGE');
      errorCodes.add('UNSUPPORTED_MEDIA_TYPE');
    }
    // A path parameter that is not percent-encoded UTF-8 (`%FF`) is refused before the route runs.
    if (/:\w+/.test(fullPath)) errorCodes.add('BAD_REQUEST');
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
    for (const [status, codes] of byStatus) {
      responses[String(status)] ??= { description: codes.join(', '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }

    const body = spec.body
      ? spec.bodyType === 'raw'
        ? { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } }, description: 'The provider’s raw event; the signature covers these exact bytes' }
        : // A missing JSON body is read as {}: required only when {} is refused (auto-start's fields all have defaults).
          { required: !spec.body.safeParse({}).success, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } }
      : spec.bodyType === 'multipart'
        ? { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } } }
        : undefined;

    return {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      operationId: operationIdOf(method, fullPath),
      security: auth === 'bearer' ? [{ bearer: [] }] : [],
      ...(spec.roles ? { 'x-roles': spec.roles } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
}
