/**
 * `npm run bench:start-end -w bench`: the CPU a session start and a session end cost, by process, on a fresh stack —
 * a quick reading (about two minutes) while working on either path; `npm run bench` is the full picture.
 *
 *   RATE=10      starts (then ends) per second
 *   SECONDS=20   how long each is sent for
 */
import { cpuBetween, cpuSnapshot } from './cpu';
import { benchStack } from './fresh-stack';
import { levelEnd, levelL3Returning, type Level } from './levels';
import { openLoopStep } from './open-loop';
import { setDefaultPlan, type StackEnv } from './scenarios';
import { printTable } from './stats';

const rate = Number(process.env.RATE ?? 10);
const seconds = Number(process.env.SECONDS ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const stack = await benchStack();
  const e = stack.env;
  const env = { sessionsUrl: e.HOURGLASS_SESSIONS_URL!, billingUrl: e.HOURGLASS_BILLING_URL!, jwtSecret: e.HOURGLASS_JWT_SECRET! } as StackEnv;
  try {
    await setDefaultPlan(env, 60);
    await sleep(5000);
    const idle0 = cpuSnapshot();
    await sleep(5000);
    const idle = cpuBetween(idle0, cpuSnapshot());
    const rows: Array<Record<string, string | number>> = [];
    const measure = async (what: string, level: Level) => {
      const n = rate * seconds;
      await level.prepare?.(n);
      await sleep(3000);
      const before = cpuSnapshot();
      const t0 = Date.now();
      const step = await openLoopStep(rate, seconds, level.op);
      await sleep(5000); // what the ops set going (workflow tasks, relays, consumers, emails)
      const spent = cpuBetween(before, cpuSnapshot());
      const elapsed = (Date.now() - t0) / 1000;
      const perOp = Object.fromEntries(Object.entries(spent).map(([k, ms]) => [k, Math.max(0, (ms - ((idle[k] ?? 0) / 5) * elapsed) / Math.max(1, step.ok))]));
      const total = Object.values(perOp).reduce((a, b) => a + b, 0);
      rows.push({ what, ok: step.ok, errors: step.errors, p50_ms: step.p50_ms, p99_ms: step.p99_ms, cpu_ms_per_op: Math.round(total * 10) / 10, ...Object.fromEntries(Object.entries(perOp).filter(([, v]) => v >= 0.5).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 10) / 10])) });
    };
    await measure(`start (returning user) at ${rate}/s`, await levelL3Returning(env.sessionsUrl, env.billingUrl, env.jwtSecret));
    await measure(`end at ${rate}/s`, await levelEnd(env.sessionsUrl, env.jwtSecret));
    printTable(rows);
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
