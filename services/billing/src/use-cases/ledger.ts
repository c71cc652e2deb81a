import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DomainError, notFound } from '@hourglass/errors';
import { enqueueEvent } from '@hourglass/kafka';
import { afterCommit, withTransaction, type Pool, type PoolClient } from '@hourglass/postgres';
import type { ConsumeCreditInput, ConsumeCreditResult, CreditAvailability, RecordUsageInput, RefundConsumptionInput } from '@hourglass/workflows';
import * as repo from '../adapters/repository';
import { balances, burnOrder, checkLimits, periodAt, sessionTypeFor, type CreditKind, type Plan } from '../domain/rules';
import * as metrics from '../metrics';

export interface LedgerDeps {
  pool: Pool;
  defaultPlanId: string;
  now?: () => Date;
}

export interface UserContext {
  account: repo.Account;
  plan: Plan;
  now: Date;
}

const consumeKey = (sessionId: string) => `consume:${sessionId}`;
const refundKey = (sessionId: string) => `refund:${sessionId}`;

/**
 * Runs fn in one transaction holding the user's account row lock, after making sure the account exists (with its
 * signup grant, exactly once even under concurrent first requests) and its billing period is the current one.
 */
async function withUser<T>(deps: LedgerDeps, userId: string, fn: (tx: PoolClient, ctx: UserContext) => Promise<T>): Promise<T> {
  return withTransaction(deps.pool, async (tx) => fn(tx, await lockUser(tx, deps, userId)));
}

/** Inside the caller's transaction: the user's account, created if new, locked, in its current period. */
export async function lockUser(tx: PoolClient, deps: Pick<LedgerDeps, 'defaultPlanId' | 'now'>, userId: string): Promise<UserContext> {
  {
    const now = (deps.now ?? (() => new Date()))();
    let account = await repo.lockAccount(tx, userId);
    if (!account) {
      const plan = await repo.getPlan(tx, deps.defaultPlanId);
      if (!plan) throw new Error(`default plan ${deps.defaultPlanId} does not exist`);
      const period = periodAt(now, plan.periodMonths, now);
      if (await repo.insertAccountIfNew(tx, userId, plan.id, period.start, period.end)) {
        if (plan.signupFreeCredits > 0) {
          await grantInTx(tx, { userId, kind: 'free', quantity: plan.signupFreeCredits, source: 'signup', sourceRef: userId, actor: 'system', note: 'signup credits' });
        }
      }
      account = (await repo.lockAccount(tx, userId))!;
    }
    const plan = (await repo.getPlan(tx, account.planId))!;
    if (now.getTime() >= account.periodEnd.getTime()) {
      const period = periodAt(account.periodStart, plan.periodMonths, now);
      await repo.setAccountPeriod(tx, userId, period.start, period.end);
      account = { ...account, periodStart: period.start, periodEnd: period.end };
    }
    return { account, plan, now };
  }
}

export interface GrantInput {
  userId: string;
  kind: CreditKind;
  quantity: number;
  source: repo.NewGrant['source'];
  sourceRef: string;
  actor: string;
  note?: string;
  priority?: number;
  expiresAt?: Date | null;
  /** For a payment: what was paid and who paid, told to the user's messages through the event. */
  payment?: { amountCents: number; currency: string; payerEmail?: string | null };
}

/** Grants credits once per (source, sourceRef): a repeated payment or signup grants nothing more. */
export async function grantInTx(tx: PoolClient, g: GrantInput): Promise<{ grantId: string; created: boolean }> {
  const grantId = randomUUID();
  const created = await repo.insertGrant(tx, { id: grantId, ...g });
  if (!created) {
    const { rows } = await tx.query('SELECT id FROM credit_grants WHERE source = $1 AND source_ref = $2', [g.source, g.sourceRef]);
    return { grantId: rows[0].id, created: false };
  }
  await repo.appendLedger(tx, { id: randomUUID(), userId: g.userId, grantId, delta: g.quantity, reason: 'grant', actor: g.actor, note: g.note, idempotencyKey: `grant:${g.source}:${g.sourceRef}` });
  await enqueueEvent(tx, 'billing.credit.granted.v1', {
    grantId,
    userId: g.userId,
    kind: g.kind,
    quantity: g.quantity,
    source: g.source,
    sourceRef: g.sourceRef,
    expiresAt: g.expiresAt ? timestampFromDate(g.expiresAt) : undefined,
    amountCents: g.payment?.amountCents ?? 0,
    currency: g.payment?.currency ?? '',
    contactEmail: g.payment?.payerEmail ?? '',
  });
  afterCommit(tx, () => metrics.creditsGranted.inc({ kind: g.kind, source: g.source }, g.quantity));
  return { grantId, created: true };
}

export function grantCredits(deps: LedgerDeps, g: GrantInput) {
  return withUser(deps, g.userId, (tx) => grantInTx(tx, g));
}

/** Checks plan limits in the current period, then takes one credit in burn order. Idempotent per session id. */
export function consumeCredit(deps: LedgerDeps, input: ConsumeCreditInput): Promise<ConsumeCreditResult> {
  return withUser(deps, input.userId, async (tx, { account, plan, now }) => {
    const resultFor = (ledgerEntryId: string, grantId: string, kind: CreditKind): ConsumeCreditResult => ({
      ledgerEntryId,
      grantId,
      kind,
      sessionType: sessionTypeFor[kind],
      durationMinutes: plan.sessionMinutes[sessionTypeFor[kind]],
      cooldownMinutes: plan.cooldownMinutes,
      planId: plan.id,
    });

    const earlier = await repo.ledgerByKey(tx, consumeKey(input.sessionId));
    if (earlier) return resultFor(earlier.id, earlier.grantId, earlier.kind);
    // The sessions service gave this start up before its consumption arrived: take nothing.
    if (await repo.isSessionVoid(tx, input.sessionId)) {
      throw new DomainError('START_ABANDONED', 'This session’s start was abandoned; no credit is taken for it', { session_id: input.sessionId });
    }

    const usage = await repo.usageBetween(tx, input.userId, account.periodStart, account.periodEnd);
    const breach = checkLimits(plan, usage);
    if (breach) {
      const what = breach.code === 'session_limit_exceeded' ? 'Session limit exceeded' : 'Total minutes limit exceeded';
      throw new DomainError(breach.code, `${what}: ${breach.limit}`, {
        plan: plan.id,
        current_usage: breach.currentUsage,
        limit: breach.limit,
        period_start: account.periodStart.toISOString(),
        period_end: account.periodEnd.toISOString(),
      });
    }

    const grants = await repo.grantsOf(tx, input.userId, { lock: true });
    const pick = burnOrder(grants, now, input.preferredKind)[0];
    if (!pick) {
      const b = balances(grants, now);
      throw new DomainError('NO_CREDITS', 'No sessions available. Please purchase more.', { free_remaining: b.free_remaining, paid_remaining: b.paid_remaining, total_available: b.total_available });
    }
    const ledgerEntryId = randomUUID();
    await repo.adjustGrant(tx, pick.id, -1);
    await repo.appendLedger(tx, { id: ledgerEntryId, userId: input.userId, grantId: pick.id, delta: -1, reason: 'consume', idempotencyKey: consumeKey(input.sessionId), sessionId: input.sessionId, actor: input.userId });
    await repo.insertUsage(tx, input.sessionId, input.userId, now);
    await enqueueEvent(tx, 'billing.credit.consumed.v1', { ledgerEntryId, userId: input.userId, grantId: pick.id, kind: pick.kind, idempotencyKey: consumeKey(input.sessionId), sessionId: input.sessionId });
    afterCommit(tx, () => metrics.creditsConsumed.inc({ kind: pick.kind }));
    return resultFor(ledgerEntryId, pick.id, pick.kind);
  });
}

/**
 * Gives back the credit taken for a session that never ran, and voids the session so that a consumption still on its
 * way takes nothing. Idempotent; gives nothing back when nothing was taken.
 */
export function refundConsumption(deps: LedgerDeps, input: RefundConsumptionInput): Promise<void> {
  return withTransaction(deps.pool, (tx) => refundConsumptionInTx(tx, deps, input));
}

/** refundConsumption inside the caller's transaction (a consumer applying sessions.session.abandoned.v1). */
export async function refundConsumptionInTx(tx: PoolClient, deps: Pick<LedgerDeps, 'defaultPlanId' | 'now'>, input: RefundConsumptionInput): Promise<void> {
  await lockUser(tx, deps, input.userId);
  {
    await repo.insertSessionVoid(tx, input.sessionId, input.userId, input.reason);
    const consumed = await repo.ledgerByKey(tx, consumeKey(input.sessionId));
    if (!consumed || (await repo.ledgerByKey(tx, refundKey(input.sessionId)))) return;
    const ledgerEntryId = randomUUID();
    await repo.adjustGrant(tx, consumed.grantId, +1);
    await repo.appendLedger(tx, { id: ledgerEntryId, userId: input.userId, grantId: consumed.grantId, delta: 1, reason: 'refund', idempotencyKey: refundKey(input.sessionId), sessionId: input.sessionId, actor: 'system', note: input.reason });
    await repo.uncountUsage(tx, input.sessionId);
    await enqueueEvent(tx, 'billing.credit.refunded.v1', { ledgerEntryId, userId: input.userId, grantId: consumed.grantId, kind: consumed.kind, quantity: 1, reason: input.reason, sourceRef: input.sessionId });
    afterCommit(tx, () => metrics.creditsRefunded.inc({ kind: consumed.kind, reason: 'start_failed' }));
  }
}

/** Records a finished session's seconds in its period's usage, once. */
export function recordUsage(deps: LedgerDeps, input: RecordUsageInput): Promise<void> {
  return withUser(deps, input.userId, async (tx, { account }) => {
    await repo.insertUsage(tx, input.sessionId, input.userId, new Date(input.startedAt));
    const recorded = await repo.recordUsageSeconds(tx, input.sessionId, input.seconds);
    if (!recorded) return;
    await enqueueEvent(tx, 'billing.usage.recorded.v1', { userId: input.userId, sessionId: input.sessionId, seconds: input.seconds, periodStart: timestampFromDate(account.periodStart) });
  });
}

export function creditSummary(deps: LedgerDeps, userId: string) {
  return withUser(deps, userId, async (tx, { now }) => ({ user_id: userId, ...balances(await repo.grantsOf(tx, userId), now) }));
}

export async function creditAvailability(deps: LedgerDeps, userId: string): Promise<CreditAvailability> {
  const s = await creditSummary(deps, userId);
  return { hasCredit: s.total_available > 0, freeRemaining: s.free_remaining, paidRemaining: s.paid_remaining, totalAvailable: s.total_available };
}

export function usageSummary(deps: LedgerDeps, userId: string) {
  return withUser(deps, userId, async (tx, { account, plan }) => {
    const usage = await repo.usageBetween(tx, userId, account.periodStart, account.periodEnd);
    return {
      user_id: userId,
      plan: plan.id,
      period_start: account.periodStart.toISOString(),
      period_end: account.periodEnd.toISOString(),
      sessions_used: usage.sessions,
      minutes_used: Math.floor(usage.seconds / 60),
      limits: { max_sessions_per_period: plan.maxSessionsPerPeriod, max_minutes_per_period: plan.maxMinutesPerPeriod, max_upload_mb: plan.maxUploadMb, cooldown_minutes: plan.cooldownMinutes, session_minutes: plan.sessionMinutes },
    };
  });
}

export function setUserPlan(deps: LedgerDeps, userId: string, planId: string) {
  return withUser(deps, userId, async (tx) => {
    if (!(await repo.getPlan(tx, planId))) throw notFound('Plan', { plan_id: planId });
    await repo.setAccountPlan(tx, userId, planId);
    return { user_id: userId, plan: planId };
  });
}

export async function ledgerHistory(deps: LedgerDeps, userId: string) {
  if (!(await repo.findAccount(deps.pool, userId))) throw notFound('User', { user_id: userId });
  return { user_id: userId, entries: await repo.ledgerOf(deps.pool, userId) };
}

export interface RevokeInput {
  userId: string;
  kind?: CreditKind;
  quantity: number;
  reason: string;
  actor: string;
}

/** Takes unspent credits away (admin), in burn order, one audited ledger row per grant touched. */
export function revokeCredits(deps: LedgerDeps, input: RevokeInput) {
  return withUser(deps, input.userId, async (tx, { now }) => {
    const candidates = burnOrder(await repo.grantsOf(tx, input.userId, { lock: true }), now, input.kind).filter((g) => !input.kind || g.kind === input.kind);
    const available = candidates.reduce((n, g) => n + g.remaining, 0);
    if (available < input.quantity) {
      throw new DomainError('CONFLICT', `Only ${available} credits can be revoked`, { available, requested: input.quantity });
    }
    let left = input.quantity;
    for (const g of candidates) {
      if (left === 0) break;
      const take = Math.min(left, g.remaining);
      await repo.adjustGrant(tx, g.id, -take);
      await repo.appendLedger(tx, { id: randomUUID(), userId: input.userId, grantId: g.id, delta: -take, reason: 'revoke', actor: input.actor, note: input.reason });
      left -= take;
    }
    return { user_id: input.userId, revoked: input.quantity, ...balances(await repo.grantsOf(tx, input.userId), now) };
  });
}
