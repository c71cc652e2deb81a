/**
 * `npm run bench`: every benchmark in one run on one fresh stack (so ratios mean something), then
 * bench/results/<date>.json, a PNG chart of latency by step, and tables.
 *
 *   STEP_SECONDS=10        length of each open-loop step
 *   BUDGET_SECONDS=2100    the whole run; the timer benchmark takes what is left (at least 1,000 sessions, at most 10,000)
 *   TIMERS=n               force the number of timer sessions
 *   NOTIFICATIONS=1000     size of the notification burst
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@hourglass/local-stack';
import { latencyChart } from './chart';
import { cpuBetween, cpuSnapshot, machineBusyMs } from './cpu';
import { benchStack } from './fresh-stack';
import { levelEnd, levelL0, levelL1, levelL2, levelL3, levelL3Returning, type Level } from './levels';
import { ceiling, stepped, type StepResult } from './open-loop';
import { extensionLatency, notificationBurst, notificationLatency, oneUserBurst, setDefaultPlan, startSmtp, type StackEnv } from './scenarios';
import { printTable } from './stats';
import { sessionsWorkerRss, timerLateness } from './timers';

const stepSeconds = Number(process.env.STEP_SECONDS ?? 10);
const budgetSeconds = Number(process.env.BUDGET_SECONDS ?? 2100);
const rates: Record<string, number[]> = {
  L0: [50, 100, 200, 400, 800, 1600],
  L1: [10, 25, 50, 100, 200, 400],
  L2: [2, 5, 10, 25, 50, 100, 200, 400],
  L3: [2, 5, 10, 25, 50, 100],
  L3r: [2, 5, 10, 25, 50, 100],
  E: [2, 5, 10, 25, 50, 100],
};
const IDLE_SECONDS = 5;
// Timer deadlines fall over twice the time it took to start the sessions: each session's timeline after its start (the
// "1 minute left" warning, the expiry, the end of its cooldown) costs about twice what its start did.
const WINDOW_RATIO = 2;
const CORES = os.cpus().length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
/** The highest-rate step with 0 errors: what "counts" (whether or not it kept up with its offered rate). */
const best = (steps: StepResult[]) => [...steps].reverse().find((s) => s.errors === 0);

async function main() {
  const began = Date.now();
  const elapsed = () => (Date.now() - began) / 1000;
  // A real SMTP server for the notification benchmarks; the stack's processes inherit SMTP_URL from this process.
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
  const stackSeconds = Math.round(elapsed());
  const cpuAtStart = cpuSnapshot();
  const machineAtStart = machineBusyMs();
  const measuredFrom = Date.now();
  const opened: Level[] = [];
  try {
    const rssAtStackStart = await sessionsWorkerRss(env);
    await setDefaultPlan(env, 60); // sessions started under load must stay out of the way: they outlive the run

    const l0 = await levelL0(e.HOURGLASS_PG_ADMIN_URL!);
    opened.push(l0);
    const l1 = await levelL1(e.HOURGLASS_TEMPORAL_ADDRESS!, e.HOURGLASS_TEMPORAL_NAMESPACE ?? 'default');
    opened.push(l1);
    const all: Record<string, Level> = {
      L0: l0,
      L1: l1,
      L2: await levelL2(l0, l1),
      L3: await levelL3(env.sessionsUrl, env.jwtSecret),
      L3r: await levelL3Returning(env.sessionsUrl, env.billingUrl, env.jwtSecret),
      E: await levelEnd(env.sessionsUrl, env.jwtSecret),
    };
    const levels: Record<string, { name: string; steps: StepResult[]; cpu_ms_per_op: Record<string, number> }> = {};
    // What the idle stack burns (relays polling, Kafka consumers, Temporal), subtracted from each level's CPU per op.
    await sleep(3000);
    const idle0 = cpuSnapshot();
    await sleep(IDLE_SECONDS * 1000);
    const idlePerSecond = Object.fromEntries(Object.entries(cpuBetween(idle0, cpuSnapshot())).map(([k, v]) => [k, v / IDLE_SECONDS]));
    const idleTotal = Object.values(idlePerSecond).reduce((a, b) => a + b, 0);
    /** Waits until the stack is back to its idle burn: workflows started by a level keep Temporal busy after it. */
    const quiet = async (what: string) => {
      const t = Date.now();
      for (let i = 0; i < 45; i++) {
        const a = cpuSnapshot();
        await sleep(1000);
        if (Object.values(cpuBetween(a, cpuSnapshot())).reduce((x, y) => x + y, 0) <= idleTotal * 1.3 + 40) break;
      }
      if (Date.now() - t > 2500) process.stderr.write(`  (waited ${Math.round((Date.now() - t) / 1000)} s for the stack to go quiet before ${what})\n`);
    };
    for (const [key, level] of Object.entries(all)) {
      await quiet(key);
      process.stderr.write(`${level.name} (${Math.round(elapsed())} s)\n`);
      const before = cpuSnapshot();
      const t = Date.now();
      const steps = await stepped(key, rates[key]!, stepSeconds, level.op, level.prepare);
      await quiet(`the end of ${key}'s CPU count`); // what its starts set going (workflows, relays, consumers) counts too
      const seconds = (Date.now() - t) / 1000;
      const ops = steps.reduce((a, s) => a + s.ok, 0);
      const cpu = Object.entries(cpuBetween(before, cpuSnapshot())).map(([k, ms]) => [k, Math.max(0, (ms - (idlePerSecond[k] ?? 0) * seconds) / Math.max(1, ops))] as const);
      const perOp = Object.fromEntries(cpu.filter(([, ms]) => ms >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, round(ms, 2)]));
      levels[key] = { name: level.name, steps, cpu_ms_per_op: { total: round(cpu.reduce((a, [, ms]) => a + ms, 0), 2), ...perOp } };
    }
    await quiet('the latency benchmarks');
    const l2 = best(levels.L2!.steps);
    const l2Ceiling = ceiling(levels.L2!.steps);
    /** A start level against L2 (the design floor): throughput at 0 errors, CPU per start, p99 at half L2's ceiling. */
    const againstL2 = (key: 'L3' | 'L3r') => {
      const l3 = best(levels[key]!.steps);
      if (!l2 || !l3) return null;
      const half = l2Ceiling ? levels.L2!.steps.filter((s) => s.offered_per_s <= l2Ceiling.offered_per_s / 2).at(-1) : undefined;
      const l3AtHalf = half && levels[key]!.steps.find((s) => s.offered_per_s === half.offered_per_s);
      return {
        l3_highest_0_error_step_per_s: l3.offered_per_s,
        l2_highest_0_error_step_per_s: l2.offered_per_s,
        throughput_ratio: round(l3.achieved_per_s / l2.achieved_per_s, 3),
        cpu_ratio: round(levels[key]!.cpu_ms_per_op.total! / levels.L2!.cpu_ms_per_op.total!, 2),
        ...(half && l3AtHalf ? { half_l2_ceiling_per_s: half.offered_per_s, p99_ms: l3AtHalf.p99_ms, l2_p99_ms: half.p99_ms, p99_ratio: round(l3AtHalf.p99_ms / half.p99_ms) } : {}),
      };
    };
    const ratio = againstL2('L3');
    const ratioReturning = againstL2('L3r');
    const endOverStart = round(levels.E!.cpu_ms_per_op.total! / levels.L3!.cpu_ms_per_op.total!, 2);

    process.stderr.write(`one user's burst: 1,000 concurrent starts (${Math.round(elapsed())} s)\n`);
    const userBurst = await oneUserBurst(env, 1000);

    process.stderr.write(`extension latency: 30 paid extensions (${Math.round(elapsed())} s)\n`);
    const extension = await extensionLatency(env, 30);
    process.stderr.write('notification latency: 50 session-started emails over SMTP\n');
    const notification = await notificationLatency(env, smtp, 50);
    const burstSize = Number(process.env.NOTIFICATIONS ?? 1000);
    process.stderr.write(`notification burst: ${burstSize} requests published at once → emails\n`);
    const burst = await notificationBurst(env, e.HOURGLASS_KAFKA_BROKERS!.split(','), smtp, burstSize);

    await quiet('the timers');
    // Timers last: as many live sessions as the rest of the budget allows (creation + a deadline window + margins).
    process.stderr.write(`timer lateness and worker memory (${Math.round(elapsed())} s)\n`);
    const timers = await timerLateness(env, {
      endBy: began + (budgetSeconds - 20) * 1000,
      secondsLeft: budgetSeconds - elapsed() - 30,
      minN: 1000,
      maxN: 10_000,
      ...(process.env.TIMERS ? { forceN: Number(process.env.TIMERS) } : {}),
      windowRatio: WINDOW_RATIO,
      rssAtStackStart,
    });

    const ourMs = Object.values(cpuBetween(cpuAtStart, cpuSnapshot())).reduce((a, b) => a + b, 0);
    const machineMs = machineBusyMs() - machineAtStart;
    const runSeconds = (Date.now() - measuredFrom) / 1000;
    const stamp = new Date(began).toISOString().replace(/[:.]/g, '-');
    const dir = path.resolve(__dirname, '../results');
    mkdirSync(dir, { recursive: true });
    const chart = path.join(dir, `${stamp}-latency-by-step.png`);
    latencyChart(chart, Object.values(levels).map((l) => ({ name: l.name, steps: l.steps })));
    const result = {
      name: 'hourglass-bench',
      at: new Date(began).toISOString(),
      machine: {
        cpus: CORES,
        cpu: os.cpus()[0]?.model,
        memory_gb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        load_average_at_end: os.loadavg().map((x) => round(x, 2)),
        // CPU the machine spent on processes outside this run while it ran (other people's tests on a shared box).
        cpu_share_used_by_others: round(Math.max(0, machineMs - ourMs) / (runSeconds * 1000 * CORES), 2),
      },
      step_seconds: stepSeconds,
      stack_start_seconds: stackSeconds,
      idle_cpu_ms_per_s: Object.fromEntries(Object.entries(idlePerSecond).filter(([, v]) => v > 0).map(([k, v]) => [k, round(v)])),
      levels: Object.fromEntries(
        Object.entries(levels).map(([k, l]) => [
          k,
          { name: l.name, highest_0_error_step_per_s: best(l.steps)?.offered_per_s ?? null, kept_up_ceiling_per_s: ceiling(l.steps)?.offered_per_s ?? null, cpu_ms_per_op: l.cpu_ms_per_op, steps: l.steps },
        ]),
      ),
      l3_over_l2: ratio,
      l3_returning_over_l2: ratioReturning,
      end_cpu_over_start_cpu: endOverStart,
      one_user_burst: userBurst,
      timer_lateness: timers,
      extension_latency: extension,
      notification_latency: notification,
      notification_burst: burst,
      notes: [
        'Open loop: request i is sent at t0 + i/rate regardless of answers; latency counts from that due time.',
        'A step counts only with 0 errors; stepping stops at the first step with errors or below 80 % of its offered rate.',
        'Each level starts once the stack is back to its idle CPU burn (workflows a level started keep Temporal busy after its last answer).', 'CPU per op: CPU time of this process and every process of the fresh stack during the level, minus their idle burn (measured once before L0), until the stack is quiet again, divided by completed ops.',
        'Notifications are measured to a real SMTP server started by the bench (SMTP_URL is inherited by the stack processes).',
        'Timer expiry is observed as sessions.updated_at of the expiring UPDATE (ended_at is set to expires_at itself).',
      ],
      chart: path.relative(path.resolve(__dirname, '../..'), chart),
      wall_seconds: Math.round(elapsed()),
    };
    const file = path.join(dir, `${stamp}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

    console.log(`\nSession starts, open loop, ${stepSeconds} s per step (latency from each request's due time)`);
    printTable(
      Object.entries(levels).flatMap(([k, l]) =>
        l.steps.map((s) => ({ level: k, offered_per_s: s.offered_per_s, achieved_per_s: s.achieved_per_s, p50_ms: s.p50_ms, p95_ms: s.p95_ms, p99_ms: s.p99_ms, errors: s.errors, max_in_flight: s.max_in_flight })),
      ),
    );
    console.log('\nPer level: highest 0-error step, highest step that also kept up, CPU per start (whole stack)');
    printTable(
      Object.entries(levels).map(([, l]) => ({
        level: l.name,
        '0-error_step': best(l.steps)?.offered_per_s ?? '—',
        kept_up: ceiling(l.steps)?.offered_per_s ?? '—',
        cpu_ms_per_op: l.cpu_ms_per_op.total!,
        [`${CORES}-core_max_per_s`]: l.cpu_ms_per_op.total ? Math.round((CORES * 1000) / l.cpu_ms_per_op.total) : '—',
        top_cpu: Object.entries(l.cpu_ms_per_op).filter(([c]) => c !== 'total').slice(0, 4).map(([c, ms]) => `${c} ${ms}`).join(', '),
      })),
    );
    console.log('\nAgainst the design floor (L2), and the end against the start');
    printTable(
      [
        ...([['L3 new users', ratio], ['L3r returning users', ratioReturning]] as const).map(([what, r]) => ({
          what,
          'throughput / L2 (≥ 0.6)': r?.throughput_ratio ?? '—',
          'CPU / L2 (≤ 2)': r?.cpu_ratio ?? '—',
          'p99 / L2 p99 at half L2 ceiling (≤ 3)': r && 'p99_ratio' in r ? `${r.p99_ratio} (${r.p99_ms} vs ${r.l2_p99_ms} ms at ${r.half_l2_ceiling_per_s}/s)` : '—',
        })),
        { what: 'E end of a session', 'throughput / L2 (≥ 0.6)': '—', 'CPU / L2 (≤ 2)': `end/start CPU ${endOverStart} (≤ 1)`, 'p99 / L2 p99 at half L2 ceiling (≤ 3)': '—' },
      ],
    );
    console.log(`\none user's burst of ${userBurst.requests} concurrent starts: ${JSON.stringify(userBurst.by_status)}; answers p50 ${userBurst.latency.p50_ms} ms, max ${userBurst.latency.max_ms} ms`);
    console.log('\nLatencies');
    const pick = (s: { count: number; p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number }) => ({ n: s.count, p50_ms: s.p50_ms, p95_ms: s.p95_ms, p99_ms: s.p99_ms, max_ms: s.max_ms });
    printTable([
      { what: `timer lateness: ${timers.sessions} live, deadlines over ${timers.deadlines_window_s} s`, ...pick(timers.lateness) },
      { what: 'extension: signed webhook → GET shows it', ...pick(extension.latency) },
      { what: 'notification: event (outbox) → SMTP', ...pick(notification.event_to_email) },
      { what: 'notification: Kafka publish → SMTP', ...pick(notification.kafka_to_email) },
      { what: 'notification: 201 → SMTP', ...pick(notification.answer_to_email) },
      { what: `notifications: ${burst.requested} at once → SMTP (${burst.delivered_per_s}/s)`, ...pick(burst.latency) },
    ]);
    const w = timers.worker;
    console.log(`\nsessions worker RSS: ${w.rss_mb_at_stack_start} MB at stack start; ${w.rss_mb_before} MB with ${w.live_before} live → ${w.rss_mb_peak} MB with ${w.live_peak} live: ${w.kb_per_live_session} KB per live session overall (target ≤ 20), ${w.kb_per_live_session_within_cache ?? '—'} KB while the sticky cache (${w.sticky_cache_workflows} workflows, 1 per live session) had room`);
    console.log(`timers: ${timers.note}; ${timers.live_together} live together, ${timers.expired} expired, ${timers.not_expired} not`);
    console.log(`machine: ${CORES} cores, ${Math.round(result.machine.cpu_share_used_by_others * 100)} % of its CPU used by other processes during the run`);
    console.log(`\nwrote ${path.relative(process.cwd(), file)}\nwrote ${path.relative(process.cwd(), chart)}\n(${result.wall_seconds} s, stack start ${stackSeconds} s)`);
  } finally {
    for (const l of opened.reverse()) await l.close().catch(() => undefined);
    await stack.stop();
    await smtp.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
