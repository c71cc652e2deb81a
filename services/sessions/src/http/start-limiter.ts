import { DomainError } from '@hourglass/errors';

/**
 * Caps the starts in flight per user and per client address on this replica, so one user's burst (a retry storm, a
 * double-clicking client, a script) is answered 429 at once instead of queueing on their gate row. The gate still
 * decides every start that gets through; this only keeps the queue short.
 */
export function createStartLimiter({ perUser, perAddress }: { perUser: number; perAddress: number }) {
  const byUser = new Map<string, number>();
  const byAddress = new Map<string, number>();
  const take = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const give = (m: Map<string, number>, k: string) => {
    const n = (m.get(k) ?? 1) - 1;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
  };
  return {
    /** Admits a start or throws 429 TOO_MANY_REQUESTS; call the returned function when the start is answered. */
    admit(userId: string, address: string): () => void {
      if ((byUser.get(userId) ?? 0) >= perUser) {
        throw new DomainError('TOO_MANY_REQUESTS', 'Your previous start is still being answered; retry in a moment', { retry_after_seconds: 1, limit: perUser });
      }
      if ((byAddress.get(address) ?? 0) >= perAddress) {
        throw new DomainError('TOO_MANY_REQUESTS', 'Too many starts from this address at once; retry in a moment', { retry_after_seconds: 1, limit: perAddress });
      }
      take(byUser, userId);
      take(byAddress, address);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        give(byUser, userId);
        give(byAddress, address);
      };
    },
  };
}
export type StartLimiter = ReturnType<typeof createStartLimiter>;
