import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { stack } from '@hourglass/testing';
import {
  refusals,
  searchAttributes,
  taskQueues,
  workflowsPath,
  type BillingActivities,
  type ConsumeCreditInput,
  type PackActivities,
  type PackNotice,
  type SessionEndRecord,
  type SessionRecord,
  type SessionsActivities,
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

/** In-memory billing with the contract's semantics (idempotent per session, credits per user), for workflow logic tests. */
export class FakeBilling {
  private readonly credits = new Map<string, number>();
  durationMinutes = new Map<string, number>();
  cooldownMinutes = 10;
  consumed = new Map<string, ConsumeCreditInput>();
  refunded: string[] = [];
  usage = new Map<string, number>();
  /** userId → how many more consumeCredit attempts fail as if billing's database were down (retryable). */
  outageAttempts = new Map<string, number>();

  setCredits(userId: string, n: number): void {
    this.credits.set(userId, n);
  }
  creditsOf(userId: string): number {
    return this.credits.get(userId) ?? 0;
  }
  consumedBy(userId: string): ConsumeCreditInput[] {
    return [...this.consumed.values()].filter((c) => c.userId === userId);
  }

  activities(): BillingActivities {
    return {
      consumeCredit: async (input) => {
        const outage = this.outageAttempts.get(input.userId) ?? 0;
        if (outage > 0) {
          this.outageAttempts.set(input.userId, outage - 1);
          throw ApplicationFailure.create({ type: 'ECONNREFUSED', message: 'billing database unreachable' });
        }
        if (!this.consumed.has(input.sessionId)) {
          if (this.creditsOf(input.userId) <= 0) {
            throw ApplicationFailure.create({ type: refusals.NO_CREDITS, message: 'No sessions available. Please purchase more.', details: [{ free_remaining: 0, paid_remaining: 0, total_available: 0 }], nonRetryable: true });
          }
          this.credits.set(input.userId, this.creditsOf(input.userId) - 1);
          this.consumed.set(input.sessionId, input);
        }
        const durationMinutes = this.durationMinutes.get(input.userId) ?? 5;
        return { ledgerEntryId: `l-${input.sessionId}`, grantId: 'g1', kind: 'free', sessionType: 'freemium', durationMinutes, cooldownMinutes: this.cooldownMinutes, planId: 'standard' };
      },
      refundConsumption: async ({ userId, sessionId }) => {
        if (this.consumed.delete(sessionId)) {
          this.credits.set(userId, this.creditsOf(userId) + 1);
          this.refunded.push(sessionId);
        }
      },
      recordUsage: async ({ sessionId, seconds }) => {
        this.usage.set(sessionId, seconds);
      },
      creditAvailability: async ({ userId }) => {
        const n = this.creditsOf(userId);
        return { hasCredit: n > 0, freeRemaining: n, paidRemaining: 0, totalAvailable: n };
      },
    };
  }
}

export class FakeSessions {
  started = new Map<string, SessionRecord>();
  ended = new Map<string, SessionEndRecord>();
  /** session id → the deadlines it was warned about, with the (skipped) time of each warning. */
  endingSoon = new Map<string, Array<{ expiresAt: string; at: number }>>();
  /** Users whose next recordSessionStarted fails (once). */
  failNextStartFor = new Set<string>();

  activities(): SessionsActivities {
    return {
      recordSessionStarted: async (record) => {
        if (this.failNextStartFor.delete(record.userId)) {
          throw ApplicationFailure.create({ message: 'database is on fire', nonRetryable: true });
        }
        this.started.set(record.sessionId, record);
      },
      recordSessionEnded: async (record) => {
        this.ended.set(record.sessionId, record);
      },
      recordSessionEndingSoon: async ({ sessionId, expiresAt }) => {
        const list = this.endingSoon.get(sessionId) ?? [];
        if (!list.some((w) => w.expiresAt === expiresAt)) list.push({ expiresAt, at: Context.current().info.scheduledTimestampMs }); // skipped time
        this.endingSoon.set(sessionId, list);
      },
    };
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
  billing: FakeBilling;
  sessions: FakeSessions;
  packs: FakePacks;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * One time-skipping server and two workers per test file, as in production: workflows + sessions activities on
 * `sessions`, billing activities on `billing`. Workers live for the whole file (a worker stopped mid-file would
 * strand its cached workflows on a sticky queue); tests stay apart by using their own user ids.
 */
export async function startHarness(): Promise<Harness> {
  const env = await createTimeSkippingEnv();
  const billing = new FakeBilling();
  const sessions = new FakeSessions();
  const packs = new FakePacks();
  const sessionsWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: taskQueues.sessions,
    workflowBundle: await workflowBundle(),
    activities: { ...sessions.activities(), ...packs.activities() },
  });
  const billingWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: taskQueues.billing, activities: billing.activities() });
  const running = Promise.all([sessionsWorker.run(), billingWorker.run()]);
  return {
    env,
    billing,
    sessions,
    packs,
    taskQueue: taskQueues.sessions,
    stop: async () => {
      sessionsWorker.shutdown();
      billingWorker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
