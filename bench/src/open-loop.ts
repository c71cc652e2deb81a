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
  max_in_flight: number;
  first_error?: string;
}

/**
 * Open-loop load: request i is due at t0 + i/rate and is fired then whether or not earlier ones have answered, so a
 * slow server shows up as latency and errors, not as a politely lower rate (a closed loop would hide it). Latency
 * is measured from the *due* time, so a load generator that falls behind its schedule cannot hide queueing either
 * (no coordinated omission).
 */
export async function openLoopStep(ratePerSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<StepResult> {
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let firstDone = Infinity;
  let lastDone = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    pending.push(
      op(i)
        .then(
          () => {
            const done = performance.now();
            latencies.push(done - due);
            firstDone = Math.min(firstDone, done);
            lastDone = Math.max(lastDone, done);
          },
          (e: unknown) => {
            errors++;
            firstError ??= (e as Error).message;
          },
        )
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(pending);
  // Completions per second over the span in which they happened (never shorter than the sending window): the offered
  // rate when the server keeps up, whatever its latency; its service rate when it falls behind and drains a queue.
  const span = Math.max(latencies.length ? lastDone - firstDone + intervalMs : 0, total * intervalMs) / 1000;
  const s = summarize(latencies);
  return {
    offered_per_s: ratePerSecond,
    achieved_per_s: Math.round((latencies.length / span) * 10) / 10,
    sent: total,
    ok: latencies.length,
    errors,
    p50_ms: s.p50_ms,
    p95_ms: s.p95_ms,
    p99_ms: s.p99_ms,
    max_ms: s.max_ms,
    max_in_flight: maxInFlight,
    ...(firstError ? { first_error: firstError } : {}),
  };
}

/** A step kept up when it had no errors and completed at least 90 % of its offered rate. */
export const keptUp = (s: StepResult) => s.errors === 0 && s.achieved_per_s >= s.offered_per_s * 0.9;

/**
 * Steps up the rate until a step has errors or falls well behind its offered rate; returns every step run.
 * `prepare(n)` runs before each step, outside the clock (e.g. signing the step's tokens).
 */
export async function stepped(name: string, rates: number[], seconds: number, op: (i: number) => Promise<void>, prepare?: (n: number) => Promise<void>): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let offset = 0;
  for (const rate of rates) {
    const n = Math.round(rate * seconds);
    await prepare?.(n);
    process.stderr.write(`  ${name}: ${rate}/s for ${seconds}s… `);
    const base = offset;
    const r = await openLoopStep(rate, seconds, (i) => op(base + i));
    offset += r.sent;
    process.stderr.write(`${r.achieved_per_s}/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.errors} errors${r.first_error ? ` (${r.first_error})` : ''}\n`);
    results.push(r);
    if (!keptUp(r)) break;
  }
  return results;
}

/** The highest step with 0 errors that kept up with its offered rate (what the level can sustain). */
export function ceiling(steps: StepResult[]): StepResult | undefined {
  return [...steps].reverse().find(keptUp);
}
