import pg from 'pg';
import { runner } from 'node-pg-migrate';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// bigint/int8 columns (counts, sums, bigserial ids) come back as JS numbers; our values stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

export function createPool({ connectionString, max = 10, applicationName = 'hourglass' }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs fn in one transaction. Serialization failures and deadlocks are retried (they are expected under races
 * when isolation is SERIALIZABLE or rows are locked in different orders); anything else rolls back and rethrows.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  { isolation = 'READ COMMITTED', retries = 5 }: { isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE'; retries?: number } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    // A checked-out client has no 'error' listener of the pool's: if the connection dies between two queries
    // (Postgres restarting), its 'error' event would be unhandled and end the process. The next query fails
    // instead, and the broken client is destroyed on release rather than returned to the pool.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    const hooks: Array<() => void> = [];
    commitHooks.set(client, hooks);
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await fn(client);
      await client.query('COMMIT');
      for (const hook of hooks) hook();
      return result;
    } catch (e) {
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      const code = (e as { code?: string }).code;
      if ((code === '40001' || code === '40P01') && attempt < retries) continue;
      throw e;
    } finally {
      commitHooks.delete(client);
      client.off('error', onError);
      client.release(broken);
    }
  }
}

const commitHooks = new WeakMap<pg.PoolClient, Array<() => void>>();

/**
 * Runs fn once the transaction tx belongs to has committed (never if it rolls back or is retried) — for effects that
 * must only count what really happened, such as metrics. Outside withTransaction, fn runs at once.
 */
export function afterCommit(tx: pg.PoolClient, fn: () => void): void {
  const hooks = commitHooks.get(tx);
  if (hooks) hooks.push(fn);
  else fn();
}

export interface MigrationSet {
  /** Directory of NNN_name.sql files (`-- Up Migration` / `-- Down Migration` sections). */
  dir: string;
  /** Its own bookkeeping table, so shared migration sets (e.g. the outbox) and a service's own do not collide. */
  table: string;
}

/** Applies every pending migration, in order, under node-pg-migrate's advisory lock (safe with replicas). */
export async function migrate(databaseUrl: string, sets: MigrationSet[], log: (msg: string) => void = () => undefined, { waitMs = 60_000 } = {}): Promise<string[]> {
  const applied: string[] = [];
  for (const set of sets) {
    const ran = await waitForMigrationLock(() => runOneSet(databaseUrl, set, log), waitMs);
    applied.push(...ran);
  }
  return applied;
}

/**
 * node-pg-migrate takes a *try*-lock and fails at once when another process is migrating (two processes of one
 * service starting together). Wait for the other one instead; by then there is nothing left to apply.
 */
async function waitForMigrationLock<T>(run: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await run();
    } catch (e) {
      if (!/Another migration is already running/.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function runOneSet(databaseUrl: string, set: MigrationSet, log: (msg: string) => void): Promise<string[]> {
  {
    const ran = await runner({
      databaseUrl,
      dir: set.dir,
      migrationsTable: set.table,
      direction: 'up',
      count: Infinity,
      checkOrder: true,
      log,
      logger: { info: log, warn: log, error: log, debug: () => undefined },
      verbose: false,
      singleTransaction: true,
    });
    return ran.map((m) => m.name);
  }
}

/** Creates the database if it does not exist (CREATE DATABASE cannot run in a transaction or take parameters). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${name}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export { pg };
