/**
 * `npm run bench:timers -w bench`: timer lateness and worker memory alone, on a fresh stack (the last part of
 * `npm run bench`), to look at the expiry path without the rest. TIMERS=3000 sessions (default), BUDGET_SECONDS=900.
 */
import { benchStack } from './fresh-stack';
import { setDefaultPlan, type StackEnv } from './scenarios';
import { printTable } from './stats';
import { sessionsWorkerRss, timerLateness } from './timers';

async function main() {
  const began = Date.now();
  const budget = Number(process.env.BUDGET_SECONDS ?? 900);
  const stack = await benchStack();
  const e = stack.env;
  const env: StackEnv = {
    sessionsUrl: e.HOURGLASS_SESSIONS_URL!,
    billingUrl: e.HOURGLASS_BILLING_URL!,
    notificationsUrl: e.HOURGLASS_NOTIFICATIONS_URL!,
    sessionsWorkerUrl: e.HOURGLASS_SESSIONS_WORKER_URL!,
    sessionsDatabaseUrl: e.HOURGLASS_SESSIONS_DATABASE_URL!,
    jwtSecret: e.HOURGLASS_JWT_SECRET!,
    stripeWebhookSecret: e.HOURGLASS_STRIPE_WEBHOOK_SECRET!,
  };
  try {
    const rss = await sessionsWorkerRss(env);
    await setDefaultPlan(env, 60);
    const t = await timerLateness(env, { endBy: began + budget * 1000, secondsLeft: budget - (Date.now() - began) / 1000, minN: 100, maxN: 10_000, forceN: Number(process.env.TIMERS ?? 3000), windowRatio: 2, rssAtStackStart: rss });
    printTable([{ sessions: t.sessions, starts_per_s: t.starts_per_s, window_s: t.deadlines_window_s, expiries_per_s: t.expiries_per_s, expired: t.expired, p50_ms: t.lateness.p50_ms, p99_ms: t.lateness.p99_ms, max_ms: t.lateness.max_ms, kb_per_live: t.worker.kb_per_live_session }]);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
