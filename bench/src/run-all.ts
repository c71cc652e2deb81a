/**
 * `npm run bench`: every benchmark in one run on one fresh stack (so ratios mean something), then
 * bench/results/<date>.json, a PNG chart of latency by step, and a table.
 *
 *   STEP_SECONDS=8 TIMERS=1000 npm run bench        # defaults
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@hourglass/local-stack';
import { latencyChart } from './chart';
import { benchStack } from './fresh-stack';
import { levelL0, levelL1, levelL2, levelL3, type Level } from './levels';
import { ceiling, stepped, type StepResult } from './open-loop';
import { extensionLatency, notificationBurst, notificationLatency, setDefaultPlan, startSmtp, timerLateness, type StackEnv } from './scenarios';
import { printTable } from './stats';

const stepSeconds = Number(process.env.STEP_SECONDS ?? 8);
const timers = Number(process.env.TIMERS ?? 1000);
const rates: Record<string, number[]> = {
  L0: [50, 100, 200, 400, 800, 1600],
  L1: [25, 50, 100, 200, 400, 800],
  L2: [25, 50, 100, 200, 400, 800],
  L3: [2, 5, 10, 20, 40, 80],
};

async function main() {
  const began = Date.now();
  // A real SMTP server for the notification benchmark; the stack's processes inherit SMTP_URL.
  const smtp = await startSmtp(await findFreePort());
  process.env.SMTP_URL = smtp.url;
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
  const levels: Record<string, StepResult[]> = {};
  const names: Record<string, string> = {};
  const opened: Level[] = [];
  try {
    await setDefaultPlan(env, 60); // starts under load must not expire during the run
    const l0 = await levelL0(e.HOURGLASS_PG_ADMIN_URL!);
    const l1 = await levelL1(e.HOURGLASS_TEMPORAL_ADDRESS!, e.HOURGLASS_TEMPORAL_NAMESPACE ?? 'default');
    opened.push(l0, l1);
    const all: Record<string, Level> = { L0: l0, L1: l1, L2: await levelL2(l0, l1), L3: await levelL3(env.sessionsUrl, env.jwtSecret) };
    for (const [key, level] of Object.entries(all)) {
      process.stderr.write(`${level.name}\n`);
      names[key] = level.name;
      levels[key] = await stepped(key, rates[key]!, stepSeconds, level.op);
      await new Promise((r) => setTimeout(r, 3000)); // let the backlog drain before the next level
    }
    const top = (k: string) => ceiling(levels[k]!);
    const l2top = top('L2');
    const l3top = top('L3');

    process.stderr.write(`timer lateness: ${timers} sessions of 90 s\n`);
    const timer = await timerLateness(env, timers, 1.5);
    await setDefaultPlan(env, 60);
    process.stderr.write('extension latency: 30 paid extensions\n');
    const extension = await extensionLatency(env, 30);
    process.stderr.write('notification latency: 50 session-started emails over SMTP\n');
    const notification = await notificationLatency(env, smtp, 50);
    const burstSize = Number(process.env.NOTIFICATIONS ?? 1000);
    process.stderr.write(`notification burst: ${burstSize} requests published at once → emails\n`);
    const burst = await notificationBurst(env, e.HOURGLASS_KAFKA_BROKERS!.split(','), smtp, burstSize);

    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dir = path.resolve(__dirname, '../results');
    mkdirSync(dir, { recursive: true });
    const chart = path.join(dir, `${stamp}-latency-by-step.png`);
    latencyChart(chart, Object.entries(levels).map(([k, steps]) => ({ name: names[k]!, steps })));
    const result = {
      name: 'hourglass-bench',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      step_seconds: stepSeconds,
      levels: Object.fromEntries(Object.entries(levels).map(([k, steps]) => [k, { name: names[k], ceiling_per_s: top(k)?.offered_per_s ?? null, steps }])),
      l3_over_l2: l2top && l3top ? { l2_ceiling_per_s: l2top.offered_per_s, l3_ceiling_per_s: l3top.offered_per_s, throughput_ratio: Math.round((l3top.achieved_per_s / l2top.achieved_per_s) * 100) / 100, p50_ratio_at_l3_ceiling: Math.round((l3top.p50_ms / (levels.L2!.find((s) => s.offered_per_s === l3top.offered_per_s)?.p50_ms ?? NaN)) * 10) / 10 } : null,
      timer_lateness: timer,
      extension_latency: extension,
      notification_latency: notification,
      notification_burst: burst,
      chart: path.relative(path.resolve(__dirname, '../..'), chart),
      wall_seconds: Math.round((Date.now() - began) / 1000),
    };
    const file = path.join(dir, `${stamp}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

    console.log('\nSession starts, open loop, per step');
    printTable(Object.entries(levels).flatMap(([k, steps]) => steps.map((s) => ({ level: k, offered: s.offered_per_s, achieved: s.achieved_per_s, p50_ms: s.p50_ms, p95_ms: s.p95_ms, p99_ms: s.p99_ms, errors: s.errors }))));
    console.log('\nCeilings (highest 0-error step that kept up)');
    printTable(Object.keys(levels).map((k) => ({ level: names[k]!, ceiling_per_s: top(k)?.offered_per_s ?? '—', p99_ms_there: top(k)?.p99_ms ?? '—' })));
    if (result.l3_over_l2) console.log(`\nL3/L2 throughput at their ceilings: ${result.l3_over_l2.throughput_ratio} (L3 ${result.l3_over_l2.l3_ceiling_per_s}/s vs L2 ${result.l3_over_l2.l2_ceiling_per_s}/s)`);
    console.log('\nLatencies');
    printTable([
      { what: `timer lateness (${timer.sessions} × ${timer.session_seconds}s)`, ...pick(timer.lateness) },
      { what: 'extension: webhook → GET shows it', ...pick(extension.latency) },
      { what: 'notification: start → email received', ...pick(notification.latency) },
      { what: `notifications: ${burst.requested} requested at once → received (${burst.delivered_per_s}/s)`, ...pick(burst.latency) },
    ]);
    console.log(`\nsessions worker RSS: ${timer.worker_rss_mb_idle} MB idle, ${timer.worker_rss_mb_live} MB with ${timer.sessions} live sessions (${timer.worker_rss_kb_per_live_session} KB per session)`);
    console.log(`\nwrote ${file}\nwrote ${chart}\n(${result.wall_seconds} s)`);
  } finally {
    for (const l of opened) await l.close().catch(() => undefined);
    await stack.stop();
    await smtp.close();
  }
}

const pick = (s: { count: number; p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number }) => ({ n: s.count, p50_ms: s.p50_ms, p95_ms: s.p95_ms, p99_ms: s.p99_ms, max_ms: s.max_ms });

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
