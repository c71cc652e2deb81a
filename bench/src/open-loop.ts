import { summarize } from './stats';

export interface StepResult {
  offered_per_s: number;
  achieved_per_s: number;
  sent: number;
  ok: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  first_error?: string;
}

/**
 * Open-loop load: requests are fired on a fixed schedule (rate per second) whether or not earlier ones have answered,
 * so a slow server shows up as latency and errors, not as a politely lower rate (a closed loop would hide it).
 */
export async function openLoopStep(ratePerSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<StepResult> {
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const start = performance.now();
    inFlight.push(
      op(i).then(
        () => void latencies.push(performance.now() - start),
        (e: unknown) => {
          errors++;
          firstError ??= (e as Error).message;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - t0) / 1000;
  const s = summarize(latencies);
  return { offered_per_s: ratePerSecond, achieved_per_s: Math.round((latencies.length / elapsed) * 10) / 10, sent: total, ok: latencies.length, errors, p50_ms: s.p50_ms, p95_ms: s.p95_ms, p99_ms: s.p99_ms, max_ms: s.max_ms, ...(firstError ? { first_error: firstError } : {}) };
}

/** Steps up the rate until a step has errors or falls well behind its offered rate; returns every step run. */
export async function stepped(name: string, rates: number[], seconds: number, op: (i: number) => Promise<void>): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let offset = 0;
  for (const rate of rates) {
    process.stderr.write(`  ${name}: ${rate}/s for ${seconds}s… `);
    const base = offset;
    const r = await openLoopStep(rate, seconds, (i) => op(base + i));
    offset += r.sent;
    process.stderr.write(`${r.achieved_per_s}/s, p99 ${r.p99_ms} ms, ${r.errors} errors\n`);
    results.push(r);
    if (r.errors > 0 || r.achieved_per_s < rate * 0.8) break;
  }
  return results;
}

/** The highest step with 0 errors that kept up with its offered rate (what the level can sustain). */
export function ceiling(steps: StepResult[]): StepResult | undefined {
  return [...steps].reverse().find((s) => s.errors === 0 && s.achieved_per_s >= s.offered_per_s * 0.8);
}
