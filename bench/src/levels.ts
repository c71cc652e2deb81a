import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { signToken } from '@hourglass/auth';

/**
 * The four levels of a session start, measured on the same stack so their ratios mean something:
 *   L0 the Postgres statements that consume a credit and record a session + outbox row (billing's and sessions' SQL
 *      shapes, one transaction, in a scratch database);
 *   L1 a bare Temporal workflow start (a no-op workflow on its own task queue, run by a worker in this process);
 *   L2 L0 then L1: the floor of what this design costs per start;
 *   L3 the real POST /api/sessions: auth, gate update-with-start, credit activity, session workflow, outboxes.
 */
export interface Level {
  name: string;
  op: (i: number) => Promise<void>;
  close(): Promise<void>;
}

const USERS = 5000;

export async function levelL0(pgAdminUrl: string): Promise<Level> {
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  const db = `bench_l0_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(pgAdminUrl);
  url.pathname = `/${db}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  await pool.query(`
    CREATE TABLE credit_grants (id uuid PRIMARY KEY, user_id text NOT NULL, kind text NOT NULL, remaining int NOT NULL CHECK (remaining >= 0), priority int NOT NULL DEFAULT 0, expires_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX ON credit_grants (user_id);
    CREATE TABLE credit_ledger (id uuid PRIMARY KEY, user_id text NOT NULL, grant_id uuid NOT NULL, delta int NOT NULL, reason text NOT NULL, idempotency_key text UNIQUE, session_id uuid, actor text, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE sessions (id uuid PRIMARY KEY, user_id text NOT NULL, mode text NOT NULL, session_type text NOT NULL, status text NOT NULL, duration_minutes int NOT NULL, started_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, topic text NOT NULL, key text NOT NULL, payload bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
  `);
  await pool.query(`INSERT INTO credit_grants (id, user_id, kind, remaining) SELECT gen_random_uuid(), 'u' || g, 'paid', 1000000 FROM generate_series(1, ${USERS}) g`);
  return {
    name: 'L0 Postgres (consume + session + outbox)',
    async op(i) {
      const user = `u${(i % USERS) + 1}`;
      const sessionId = randomUUID();
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rows } = await c.query(`SELECT id FROM credit_grants WHERE user_id = $1 AND remaining > 0 ORDER BY priority DESC, expires_at NULLS LAST, created_at LIMIT 1 FOR UPDATE`, [user]);
        await c.query(`UPDATE credit_grants SET remaining = remaining - 1 WHERE id = $1`, [rows[0].id]);
        await c.query(`INSERT INTO credit_ledger (id, user_id, grant_id, delta, reason, idempotency_key, session_id, actor) VALUES ($1, $2, $3, -1, 'consume', $4, $5, $2)`, [randomUUID(), user, rows[0].id, `consume:${sessionId}`, sessionId]);
        await c.query(`INSERT INTO sessions (id, user_id, mode, session_type, status, duration_minutes, started_at, expires_at) VALUES ($1, $2, 'bench', 'paid', 'active', 45, now(), now() + interval '45 minutes')`, [sessionId, user]);
        await c.query(`INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, 'sessions.session.started.v1', $2, $3)`, [randomUUID(), sessionId, Buffer.alloc(120)]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    async close() {
      await pool.end();
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function levelL1(temporalAddress: string, namespace: string): Promise<Level> {
  const taskQueue = `bench-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({ connection: native, namespace, taskQueue, workflowsPath: require.resolve('./workflows/noop'), maxConcurrentWorkflowTaskExecutions: 100 });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  return {
    name: 'L1 Temporal workflow start',
    async op() {
      await client.workflow.start('benchNoopWorkflow', { taskQueue, workflowId: `bench/${randomUUID()}`, args: [] });
    },
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await native.close();
    },
  };
}

export async function levelL2(l0: Level, l1: Level): Promise<Level> {
  return {
    name: 'L2 = L0 + L1 (the design floor)',
    async op(i) {
      await l0.op(i + 1_000_000);
      await l1.op(i);
    },
    close: async () => undefined,
  };
}

export async function levelL3(sessionsUrl: string, jwtSecret: string): Promise<Level> {
  return {
    name: 'L3 POST /api/sessions (real)',
    async op() {
      const token = await signToken({ sub: `bench-${randomUUID()}`, role: 'user' }, jwtSecret);
      const res = await fetch(`${sessionsUrl}/api/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"mode":"bench"}' });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`start answered ${res.status}`);
    },
    close: async () => undefined,
  };
}
