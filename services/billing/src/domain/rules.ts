// Pure billing rules: burn order, plan limits, billing periods. No I/O.

export type CreditKind = 'free' | 'paid' | 'test' | 'pack';
export type SessionType = 'freemium' | 'paid' | 'test' | 'pack';

export interface Plan {
  id: string;
  name: string;
  mode: 'standard' | 'pay_per_session';
  maxSessionsPerPeriod: number | null;
  maxMinutesPerPeriod: number | null;
  sessionMinutes: Record<SessionType, number>;
  cooldownMinutes: number;
  maxUploadMb: number;
  signupFreeCredits: number;
  periodMonths: number;
  sessionPriceCents: number | null;
}

export interface Grant {
  id: string;
  kind: CreditKind;
  remaining: number;
  priority: number;
  expiresAt: Date | null;
  createdAt: Date;
}

export const sessionTypeFor: Record<CreditKind, SessionType> = { free: 'freemium', paid: 'paid', test: 'test', pack: 'pack' };

const kindRank: Record<CreditKind, number> = { free: 0, test: 1, paid: 2, pack: 3 };

export function isSpendable(g: Grant, now: Date): boolean {
  return g.remaining > 0 && (g.expiresAt === null || g.expiresAt.getTime() > now.getTime());
}

/**
 * Burn order: free credits first (they are the cheapest to give away), then test, then paid, then pack; within a
 * kind, higher priority first, then the soonest expiry (grants without expiry last), then the oldest grant.
 * Pack credits pay only for pack sessions, so they are used only when asked for. A preferred kind, when the user
 * has it, goes first.
 */
export function burnOrder(grants: Grant[], now: Date, preferredKind?: CreditKind): Grant[] {
  const expiry = (g: Grant) => g.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return grants
    .filter((g) => isSpendable(g, now))
    .filter((g) => g.kind !== 'pack' || preferredKind === 'pack')
    .sort(
      (a, b) =>
        Number(b.kind === preferredKind) - Number(a.kind === preferredKind) ||
        kindRank[a.kind] - kindRank[b.kind] ||
        b.priority - a.priority ||
        expiry(a) - expiry(b) ||
        a.createdAt.getTime() - b.createdAt.getTime(),
    );
}

export interface Balances {
  free_remaining: number;
  paid_remaining: number;
  pack_remaining: number;
  total_available: number;
}

/** free_remaining: free credits; paid_remaining: paid and test credits; pack credits are counted apart. */
export function balances(grants: Grant[], now: Date): Balances {
  const sum = (kinds: CreditKind[]) => grants.filter((g) => isSpendable(g, now) && kinds.includes(g.kind)).reduce((n, g) => n + g.remaining, 0);
  const free = sum(['free']);
  const paid = sum(['paid', 'test']);
  return { free_remaining: free, paid_remaining: paid, pack_remaining: sum(['pack']), total_available: free + paid };
}

export interface PeriodUsage {
  sessions: number;
  seconds: number;
}

export type LimitBreach =
  | { code: 'session_limit_exceeded'; limit: number; currentUsage: number }
  | { code: 'minutes_limit_exceeded'; limit: number; currentUsage: number };

/** Whether one more session fits the plan in the current period (usage counted from the period start only). */
export function checkLimits(plan: Plan, usage: PeriodUsage): LimitBreach | null {
  if (plan.maxSessionsPerPeriod !== null && usage.sessions >= plan.maxSessionsPerPeriod) {
    return { code: 'session_limit_exceeded', limit: plan.maxSessionsPerPeriod, currentUsage: usage.sessions };
  }
  const minutes = Math.floor(usage.seconds / 60);
  if (plan.maxMinutesPerPeriod !== null && minutes >= plan.maxMinutesPerPeriod) {
    return { code: 'minutes_limit_exceeded', limit: plan.maxMinutesPerPeriod, currentUsage: minutes };
  }
  return null;
}

/** Adds whole calendar months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/**
 * The billing period containing `now`, for a period anchored at `anchor` (the account's first period start) and
 * `months` long. Periods roll over by themselves: any read after period_end computes the next period — no cron.
 */
export function periodAt(anchor: Date, months: number, now: Date): { start: Date; end: Date } {
  if (now.getTime() < anchor.getTime()) return { start: anchor, end: addMonths(anchor, months) };
  // Jump close to now, then step: anchor-relative so month-end clamping never drifts.
  let k = Math.max(0, Math.floor(((now.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + now.getUTCMonth() - anchor.getUTCMonth()) / months) - 1);
  for (;;) {
    const start = addMonths(anchor, k * months);
    const end = addMonths(anchor, (k + 1) * months);
    if (now.getTime() < end.getTime()) return { start, end };
    k++;
  }
}
