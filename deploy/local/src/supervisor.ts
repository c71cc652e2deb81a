import { describeExit, type Exit, type ManagedProcess } from './process';

/**
 * Restarts a process of the stack that exits by itself — a crash, or an exit 1 after an error outside any request —
 * as a cluster would: after 1 s, then 2, 4, 8… up to 30 s while it keeps dying (a failed restart counts as dying
 * again), back to 1 s once it has stayed up for a minute. Each step is said on the console.
 *
 * A process taken down on purpose is left down: `hold(name)` before stopping it (the stack's stopComponent does,
 * which is how the fault drills' control API kills and stops components), `release(name)` before starting it again.
 * `stop()` ends all supervision (the stack is stopping).
 */
export interface SupervisorOptions {
  /** The process now running under `name` (it changes on every restart). */
  current(name: string): ManagedProcess | undefined;
  /** Starts `name` again (same ports, data and wiring) and resolves with its process once it is ready; rejects when
   *  it is not ready. */
  restart(name: string): Promise<ManagedProcess>;
  report: SupervisorReport;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Up this long, a process counts as healthy again: its next crash restarts after initialDelayMs. */
  stableAfterMs?: number;
}

export interface SupervisorReport {
  crashed(name: string, exit: string): void;
  restarting(name: string, delayMs: number, attempt: number): void;
  restarted(name: string, startedAt: number, attempt: number): void;
  restartFailed(name: string, error: Error, attempt: number): void;
}

export interface Supervisor {
  /** Watches the process now running under `name`: when it exits by itself, it is restarted. */
  watch(name: string): void;
  hold(name: string): void;
  release(name: string): void;
  stop(): void;
}

export function createSupervisor(o: SupervisorOptions): Supervisor {
  const initialDelayMs = o.initialDelayMs ?? 1000;
  const maxDelayMs = o.maxDelayMs ?? 30_000;
  const stableAfterMs = o.stableAfterMs ?? 60_000;
  const held = new Set<string>();
  const attempts = new Map<string, number>();
  // Bumped by hold and release: a restart loop of an earlier generation gives up (the component is someone else's now).
  const generation = new Map<string, number>();
  const bump = (name: string) => generation.set(name, (generation.get(name) ?? 0) + 1);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  async function restartLoop(name: string, exit: Exit, upForMs: number): Promise<void> {
    const mine = generation.get(name) ?? 0;
    const leftDown = () => stopped || held.has(name) || (generation.get(name) ?? 0) !== mine;
    if (upForMs >= stableAfterMs) attempts.set(name, 0);
    o.report.crashed(name, describeExit(exit));
    for (;;) {
      const attempt = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      o.report.restarting(name, delayMs, attempt);
      await sleep(delayMs);
      if (leftDown()) return;
      const startedAt = Date.now();
      let started: ManagedProcess;
      try {
        started = await o.restart(name);
      } catch (e) {
        o.report.restartFailed(name, e as Error, attempt);
        continue;
      }
      // Taken down on purpose while it was starting: this one goes too.
      if (leftDown()) {
        await started.stop();
        return;
      }
      o.report.restarted(name, startedAt, attempt);
      watch(name);
      return;
    }
  }

  function watch(name: string): void {
    const proc = o.current(name);
    if (!proc) return;
    const since = Date.now();
    void proc.exited.then((exit) => {
      // Taken down on purpose, the stack stopping, or already replaced (the control API started it again).
      if (stopped || held.has(name) || o.current(name) !== proc) return;
      void restartLoop(name, exit, Date.now() - since);
    });
  }

  return {
    watch,
    hold: (name) => {
      held.add(name);
      bump(name);
    },
    release: (name) => {
      held.delete(name);
      attempts.delete(name);
      bump(name);
    },
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
