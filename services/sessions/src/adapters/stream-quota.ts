/**
 * How many event streams one user holds open on this replica. A stream costs a connection, a timer and a wake-up on
 * every event of its session for as long as it lasts, so one user (a script, a runaway tab loop) must not hold
 * hundreds: past the cap a new stream is refused (429) until one closes. Per replica: with N replicas behind a
 * balancer a user may hold up to N × the cap.
 */
export function createStreamQuota(maxPerUser: number) {
  const open = new Map<string, number>();
  return {
    maxPerUser,
    /** A release function when the user may open one more stream, null when they are at the cap. */
    acquire(userId: string): (() => void) | null {
      const n = open.get(userId) ?? 0;
      if (n >= maxPerUser) return null;
      open.set(userId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userId) ?? 1) - 1;
        if (left <= 0) open.delete(userId);
        else open.set(userId, left);
      };
    },
    openFor: (userId: string) => open.get(userId) ?? 0,
  };
}

export type StreamQuota = ReturnType<typeof createStreamQuota>;
