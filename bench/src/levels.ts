import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { signToken } from '@hourglass/auth';
import { postgresStart } from './l0-postgres';

/**
 * The four levels of a session start, measured on the same stack so their ratios mean something:
 *   L0 the Postgres statements of a start by a new user (./l0-postgres: the services' migrations and statements in
 *      scratch databases): account + signup credits, consume one credit, session row + event, three outbox rows;
 *   L1 a bare Temporal workflow start (a no-op workflow on its own task queue, run by a worker in this process);
 *   L2 L0 then L1: the floor of what this design costs per start;
 *   L3 the real POST /api/sessions by new users: auth, the gate decision in Postgres, billing's consumption, one
 *      workflow start, the activation, outboxes — and what they set going (the workflow's first task, Kafka,
 *      notifications);
 *   L3r the same by returning users (their billing account and gate row exist);
 *   E  POST /api/sessions/:id/end of a running session: the end update, usage, the read model, events.
 */
export interface Level {
  name: string;
  op: (i: number) => Promise<void>;
  /** Before each step, outside the clock. */
  prepare?: (n: number) => Promise<void>;
  close(): Promise<void>;
}

export async function levelL0(pgAdminUrl: string): Promise<Level> {
  const pg = await postgresStart(pgAdminUrl);
  return { name: 'L0 Postgres: a new user’s start, real SQL', op: () => pg.start(), close: () => pg.close() };
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
      await l0.op(i);
      await l1.op(i);
    },
    close: async () => undefined,
  };
}

/** n things done before a step, outside the clock, 8 at a time. */
async function prepared<T>(n: number, make: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (started < n) {
        started++;
        out.push(await make());
      }
    }),
  );
  return out;
}

async function post(url: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

/** Returning users: their billing account (with its signup credits) and their gate row exist before the step. */
export async function levelL3Returning(sessionsUrl: string, billingUrl: string, jwtSecret: string): Promise<Level> {
  let tokens: string[] = [];
  return {
    name: 'L3r POST /api/sessions (real, returning users)',
    async prepare(n) {
      tokens = await prepared(n, async () => {
        const token = await signToken({ sub: `bench-returning-${randomUUID()}`, role: 'user' }, jwtSecret);
        await fetch(`${billingUrl}/api/users/credits`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.arrayBuffer());
        const gate = await post(`${sessionsUrl}/api/users/me/auto-start`, token, { enabled: false });
        if (gate.status !== 200) throw new Error(`auto-start answered ${gate.status}`);
        return token;
      });
    },
    async op() {
      const token = tokens.pop();
      if (!token) throw new Error('no prepared returning user left');
      const res = await post(`${sessionsUrl}/api/sessions`, token, { mode: 'bench' });
      if (res.status !== 201) throw new Error(`start answered ${res.status}`);
    },
    close: async () => undefined,
  };
}

/** Ending a running session (each started before the step by a user of its own). */
export async function levelEnd(sessionsUrl: string, jwtSecret: string): Promise<Level> {
  let running: Array<{ token: string; id: string }> = [];
  return {
    name: 'E POST /api/sessions/:id/end (a running session)',
    async prepare(n) {
      running = await prepared(n, async () => {
        const token = await signToken({ sub: `bench-end-${randomUUID()}`, role: 'user' }, jwtSecret);
        const res = await post(`${sessionsUrl}/api/sessions`, token, { mode: 'bench' });
        if (res.status !== 201) throw new Error(`start answered ${res.status}`);
        return { token, id: res.json.session.id as string };
      });
    },
    async op() {
      const s = running.pop();
      if (!s) throw new Error('no prepared session left');
      const res = await post(`${sessionsUrl}/api/sessions/${s.id}/end`, s.token);
      if (res.status !== 200) throw new Error(`end answered ${res.status}`);
    },
    close: async () => undefined,
  };
}

export async function levelL3(sessionsUrl: string, jwtSecret: string): Promise<Level> {
  let tokens: string[] = [];
  return {
    name: 'L3 POST /api/sessions (real, new users)',
    async prepare(n) {
      tokens = await Promise.all(Array.from({ length: n }, () => signToken({ sub: `bench-${randomUUID()}`, role: 'user' }, jwtSecret)));
    },
    async op() {
      const token = tokens.pop() ?? (await signToken({ sub: `bench-${randomUUID()}`, role: 'user' }, jwtSecret));
      const res = await fetch(`${sessionsUrl}/api/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"mode":"bench"}',
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`start answered ${res.status}`);
    },
    close: async () => undefined,
  };
}
