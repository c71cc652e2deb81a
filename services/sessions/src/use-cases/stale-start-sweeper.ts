import { pruneStartRequests } from '../adapters/start-gate-repository';
import { sweepStaleStarts, type StartDeps } from './start-session';

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Settles starts whose process died half-way (sweepStaleStarts), every few seconds, on every API replica (the work is
 * idempotent and rows are settled by conditional updates, so replicas never double anything). Also forgets
 * Idempotency-Key answers older than a day.
 */
export function createStaleStartSweeper(deps: StartDeps, { olderThanMs, everyMs }: { olderThanMs: number; everyMs: number }) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastPrune = 0;
  const sweep = async () => {
    try {
      const { abandoned, resumed } = await sweepStaleStarts(deps, olderThanMs);
      if (abandoned + resumed > 0) deps.logger?.warn({ abandoned, resumed }, 'settled session starts that had stopped half-way');
      if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await pruneStartRequests(deps.pool);
      }
    } catch (err) {
      deps.logger?.warn({ err }, 'stale start sweep failed; trying again later');
    }
  };
  return {
    start() {
      timer = setInterval(() => {
        running ??= sweep().finally(() => {
          running = null;
        });
      }, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
