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
 *   L3 the real POST /api/sessions: auth, gate update-with-start, credit activity, session workflow, outboxes.
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

export async function levelL3(sessionsUrl: string, jwtSecret: string): Promise<Level> {
  let tokens: string[] = [];
  return {
    name: 'L3 POST /api/sessions (real, new user each)',
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
