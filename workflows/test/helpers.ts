import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { stack } from '@hourglass/testing';
import {
  searchAttributes,
  taskQueues,
  workflowsPath,
  type PackActivities,
  type PackNotice,
  type SessionExtension,
  type SessionFinish,
  type SessionStart,
  type SessionStepActivities,
} from '../src';

// Only warnings and errors from the SDK in test output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed in this process */
}

let bundle: WorkflowBundleWithSourceMap | undefined;
export async function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never });
  return bundle;
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: stack.temporalTestServer } } });
  // The workflows set Hourglass's search attributes; like any namespace, the test server's must know them.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return env;
}

/**
 * Records what a session workflow asked of its steps (local activities), and lets a test declare a start abandoned.
 */
export class FakeSteps {
  activated = new Map<string, SessionStart>();
  abandoned = new Set<string>();
  extended: SessionExtension[] = [];
  endingSoon = new Map<string, Array<{ expiresAt: string }>>();
  finished = new Map<string, SessionFinish>();
  nextStarts: Array<{ userId: string; afterSessionId: string }> = [];
  /** Every step call in order, as `<step>:<session id>`. */
  calls: string[] = [];

  activities(): SessionStepActivities {
    return {
      activateSession: async (start) => {
        this.calls.push(`activate:${start.sessionId}`);
        if (this.abandoned.has(start.sessionId)) return 'abandoned';
        this.activated.set(start.sessionId, start);
        return 'active';
      },
      recordSessionExtended: async (e) => {
        this.calls.push(`extended:${e.sessionId}`);
        if (!this.extended.some((x) => x.paymentId === e.paymentId)) this.extended.push(e);
      },
      recordSessionEndingSoon: async ({ sessionId, expiresAt }) => {
        this.calls.push(`ending-soon:${sessionId}`);
        const list = this.endingSoon.get(sessionId) ?? [];
        if (!list.some((w) => w.expiresAt === expiresAt)) list.push({ expiresAt });
        this.endingSoon.set(sessionId, list);
      },
      finishSession: async (f) => {
        this.calls.push(`finish:${f.sessionId}`);
        if (!this.finished.has(f.sessionId)) this.finished.set(f.sessionId, f);
      },
      startNextSession: async ({ userId, afterSessionId }) => {
        this.calls.push(`next:${afterSessionId}`);
        this.nextStarts.push({ userId, afterSessionId });
      },
    };
  }

  callsOf(sessionId: string): string[] {
    return this.calls.filter((c) => c.endsWith(`:${sessionId}`)).map((c) => c.slice(0, c.lastIndexOf(':')));
  }
}

/** Records what the pack workflow asked of its activities. */
export class FakePacks {
  changes: Array<{ packId: string; event: string; eventKey: string }> = [];
  notices: PackNotice[] = [];
  private readonly seen = new Set<string>();

  activities(): PackActivities {
    return {
      recordPackChange: async ({ state, event, eventKey }) => {
        const key = `${state.packId}:${eventKey}`;
        if (this.seen.has(key)) return;
        this.seen.add(key);
        this.changes.push({ packId: state.packId, event, eventKey });
      },
      requestPackNotice: async (notice) => {
        if (this.seen.has(notice.dedupeKey)) return;
        this.seen.add(notice.dedupeKey);
        this.notices.push(notice);
      },
    };
  }

  eventsOf(packId: string): string[] {
    return this.changes.filter((c) => c.packId === packId).map((c) => c.event);
  }
  noticesOf(packId: string): string[] {
    return this.notices.filter((n) => n.data.pack_id === packId).map((n) => n.templateId);
  }
}

export interface Harness {
  env: TestWorkflowEnvironment;
  steps: FakeSteps;
  packs: FakePacks;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * One time-skipping server and one worker per test file, as in production: workflows, their steps (local activities)
 * and the pack activities on `sessions`. The worker lives for the whole file (a worker stopped mid-file would strand
 * its cached workflows on a sticky queue); tests stay apart by using their own ids.
 */
export async function startHarness(): Promise<Harness> {
  const env = await createTimeSkippingEnv();
  const steps = new FakeSteps();
  const packs = new FakePacks();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: taskQueues.sessions,
    workflowBundle: await workflowBundle(),
    activities: { ...steps.activities(), ...packs.activities() },
  });
  const running = worker.run();
  return {
    env,
    steps,
    packs,
    taskQueue: taskQueues.sessions,
    stop: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
