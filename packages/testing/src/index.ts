import { randomBytes } from 'node:crypto';
import { signToken, type Role } from '@hourglass/auth';

/**
 * The running test stack, as `npm test` describes it in HOURGLASS_* variables (see ARCHITECTURE.md).
 * Tests read the stack only through this, so a missing variable fails with a clear message.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through \`npm test\` (it starts the stack and sets HOURGLASS_* variables)`);
  return value;
}

export const stack = {
  get pgAdminUrl() { return required('HOURGLASS_PG_ADMIN_URL'); },
  get sessionsDatabaseUrl() { return required('HOURGLASS_SESSIONS_DATABASE_URL'); },
  get billingDatabaseUrl() { return required('HOURGLASS_BILLING_DATABASE_URL'); },
  get notificationsDatabaseUrl() { return required('HOURGLASS_NOTIFICATIONS_DATABASE_URL'); },
  get kafkaBrokers() { return required('HOURGLASS_KAFKA_BROKERS').split(','); },
  get temporalAddress() { return required('HOURGLASS_TEMPORAL_ADDRESS'); },
  get temporalNamespace() { return process.env.HOURGLASS_TEMPORAL_NAMESPACE ?? 'default'; },
  get temporalTestServer() { return required('HOURGLASS_TEMPORAL_TEST_SERVER'); },
  get stripeApiUrl() { return required('HOURGLASS_STRIPE_API_URL'); },
  get sessionsUrl() { return required('HOURGLASS_SESSIONS_URL'); },
  get billingUrl() { return required('HOURGLASS_BILLING_URL'); },
  get notificationsUrl() { return required('HOURGLASS_NOTIFICATIONS_URL'); },
  get sessionsWorkerUrl() { return required('HOURGLASS_SESSIONS_WORKER_URL'); },
  get billingWorkerUrl() { return required('HOURGLASS_BILLING_WORKER_URL'); },
  get jwtSecret() { return required('HOURGLASS_JWT_SECRET'); },
  get stripeWebhookSecret() { return required('HOURGLASS_STRIPE_WEBHOOK_SECRET'); },
  get wooWebhookSecret() { return required('HOURGLASS_WOOCOMMERCE_WEBHOOK_SECRET'); },
  get paypalWebhookId() { return required('HOURGLASS_PAYPAL_WEBHOOK_ID'); },
  get chromium() { return required('HOURGLASS_CHROMIUM'); },
  /** Where tests leave artifacts worth keeping (screenshots): `test-artifacts/` in the checkout. */
  /** Where the stack's dev mail sink writes each message it receives (.eml files). */
  get mailDir() { return required('HOURGLASS_MAIL_DIR'); },
  get artifactsDir() { return required('HOURGLASS_ARTIFACTS_DIR'); },
};

export function uniqueId(prefix = 'u'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function tokenFor(sub: string, role: Role = 'user', secret = stack.jwtSecret): Promise<string> {
  return signToken({ sub, role }, secret);
}

/**
 * Polls until check returns a value that is not undefined/false, or fails after timeoutMs with the last error.
 * For asynchronous hops (Kafka, workers) — never for time-dependent logic, which uses time-skipping.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, { timeoutMs = 20000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * fetch + JSON, for tests that talk to the services' public APIs. A `503` with `Retry-After` (a dependency briefly
 * unavailable: a busy test machine) is sent again up to three times, as the README tells every client to do; pass
 * `retryUnavailable: false` to see it.
 */
export async function api<T = any>(
  baseUrl: string,
  path: string,
  { method = 'GET', token, body, headers = {}, retryUnavailable = true }: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; retryUnavailable?: boolean } = {},
): Promise<JsonResponse<T>> {
  const send = () =>
    fetch(new URL(path, baseUrl), {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  let res = await send();
  for (let retry = 0; retryUnavailable && res.status === 503 && res.headers.get('retry-after') && retry < 3; retry++) {
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
    res = await send();
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase, type MigrationSet, type Pool } from '@hourglass/postgres';

export interface ThrowawayDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database on the test Postgres with the given migrations applied; drop() removes it. One per test file. */
export async function throwawayDatabase(prefix: string, migrations: MigrationSet[] = []): Promise<ThrowawayDatabase> {
  const name = `t_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(stack.pgAdminUrl, name);
  const url = withDatabase(stack.pgAdminUrl, name);
  await migrate(url, migrations);
  const pool = createPool({ connectionString: url, max: 10, applicationName: `test-${prefix}` });
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(stack.pgAdminUrl, name);
    },
  };
}
