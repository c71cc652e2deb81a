import type { Express, RequestHandler, Router } from 'express';
import { z } from 'zod';
import { errorStatus, type ErrorCode } from '@hourglass/errors';

/**
 * OpenAPI 3.1 from the zod schemas that validate each request: a route is declared once — method, path, the same
 * schemas its handler passes to parseInput, what it answers — and both the express route and its operation in
 * `/openapi.json` come from that declaration, so the docs cannot drift from the validation.
 */

export type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface ResponseSpec {
  description: string;
  /** A zod schema of the JSON body; omitted → any JSON object. */
  schema?: z.ZodType;
  /** Non-JSON bodies (text/event-stream, application/octet-stream, text/html). */
  contentType?: string;
}

export interface OperationSpec {
  summary: string;
  description?: string;
  tags?: string[];
  /** How the caller proves who it is: a bearer JWT (default), nothing, or the request's signature (webhooks). */
  auth?: 'bearer' | 'none' | 'signature';
  /** Roles allowed (documentation of what requireAuth enforces). */
  roles?: readonly string[];
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: Record<string, { description: string; required?: boolean }>;
  body?: z.ZodType;
  /** `json` (default when body is given), `multipart` (a file part named `file`), `raw` (signed webhook bytes). */
  bodyType?: 'json' | 'multipart' | 'raw';
  responses: Record<number, ResponseSpec>;
  /** Refusals this operation may answer (beyond 401/403/422, which follow from auth and input). */
  errors?: readonly ErrorCode[];
}

interface Declared {
  method: Method;
  path: string;
  spec: OperationSpec;
}

const declared = new WeakMap<Router, Declared[]>();

/** Registers an express route and its OpenAPI operation, from one declaration. */
export function route(router: Router, method: Method, path: string, spec: OperationSpec, ...handlers: RequestHandler[]): void {
  (router[method] as (path: string, ...h: RequestHandler[]) => unknown).call(router, path, ...handlers);
  const list = declared.get(router) ?? [];
  list.push({ method, path, spec });
  declared.set(router, list);
}

const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');
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

/** Collects every mounted router's operations into one OpenAPI 3.1 document. */
export class ApiDocument {
  private readonly operations: Array<Declared & { fullPath: string }> = [];
  constructor(private readonly info: ApiInfo) {}

  /** app.use(prefix, router), and the router's declared routes under that prefix. */
  mount(app: Express, prefix: string, router: Router): void {
    app.use(prefix, router);
    for (const d of declared.get(router) ?? []) this.operations.push({ ...d, fullPath: `${prefix}${d.path}` });
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
    for (const [name, h] of Object.entries(spec.headers ?? {})) parameters.push({ name, in: 'header', required: h.required ?? false, description: h.description, schema: { type: 'string' } });

    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = {
        description: r.description,
        content: { [r.contentType ?? 'application/json']: { schema: r.schema ? jsonSchema(r.schema, 'output') : r.contentType ? {} : { type: 'object' } } },
      };
    }
    const errorCodes = new Set<ErrorCode>(spec.errors ?? []);
    const auth = spec.auth ?? 'bearer';
    if (auth === 'bearer') errorCodes.add('UNAUTHENTICATED');
    if (auth === 'bearer' && spec.roles) errorCodes.add('FORBIDDEN');
    if (spec.params || spec.query || spec.body || spec.headers) errorCodes.add('VALIDATION_FAILED');
    // Any JSON body may be malformed or too large: the shell answers 400 / 413 before the route runs.
    if (spec.body || spec.bodyType) {
      errorCodes.add('BAD_REQUEST');
      errorCodes.add('PAYLOAD_TOO_LARGE');
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
    for (const [status, codes] of byStatus) {
      responses[String(status)] ??= { description: codes.join(', '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }

    const body = spec.body
      ? spec.bodyType === 'raw'
        ? { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } }, description: 'The provider’s raw event; the signature covers these exact bytes' }
        : { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } }
      : spec.bodyType === 'multipart'
        ? { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } } }
        : undefined;

    return {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      operationId: `${method}${fullPath.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: auth === 'bearer' ? [{ bearer: [] }] : [],
      ...(spec.roles ? { 'x-roles': spec.roles } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
}
