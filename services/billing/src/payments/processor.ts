import type { Logger } from '@hourglass/logger';
import type { LedgerDeps } from '../use-cases/ledger';
import { processDue } from './inbox';
import { issueDueRefunds } from './refunds';

/**
 * Works the payment inbox, then the refunds Hourglass owes: right after each webhook (kick) and every second for
 * retries that came due. Several replicas may run it: rows are claimed with SKIP LOCKED.
 */
export function createInboxProcessor(deps: LedgerDeps, logger: Logger, { refunds, intervalMs = 1000 }: { refunds?: Parameters<typeof issueDueRefunds>[0]; intervalMs?: number } = {}) {
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | null = null;
  let again = false;
  const run = () => {
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      do {
        again = false;
        try {
          await processDue(deps);
          if (refunds) await issueDueRefunds(refunds);
        } catch (err) {
          logger.error({ err }, 'payment inbox processing failed');
        }
      } while (again);
    })().finally(() => {
      busy = null;
    });
    return busy;
  };
  return {
    kick: () => void run(),
    start() {
      timer = setInterval(() => void run(), intervalMs);
    },
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}
