import type { Logger } from '@hourglass/logger';
import type { Pool, PoolClient } from '@hourglass/postgres';

/**
 * One LISTEN connection per process, fanning NOTIFY 'session_events' out to the streams open here. Every replica
 * runs one, so a subscriber on any replica hears of every event. Subscribers re-read from their last version on
 * each wake-up, so a missed or merged notification loses nothing; after a reconnect every stream is woken.
 */
export function createStreamHub(pool: Pool, logger: Logger) {
  const subscribers = new Map<string, Set<() => void>>();
  const enders = new Set<() => void>();
  let client: PoolClient | null = null;
  let stopped = false;

  const wakeAll = () => subscribers.forEach((set) => set.forEach((wake) => wake()));

  async function connect(): Promise<void> {
    while (!stopped) {
      try {
        const c = await pool.connect();
        c.on('notification', (n) => subscribers.get(n.payload ?? '')?.forEach((wake) => wake()));
        c.on('error', (err) => {
          logger.warn({ err }, 'stream hub connection lost; reconnecting');
          c.release(true);
          if (client === c) client = null;
          if (!stopped) setTimeout(() => void connect().then(wakeAll), 500);
        });
        await c.query('LISTEN session_events');
        client = c;
        return;
      } catch (err) {
        logger.warn({ err }, 'stream hub cannot LISTEN yet');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  return {
    start: connect,
    /** wake runs on every event of the session; end runs when the process shuts down (the client reconnects elsewhere). */
    subscribe(sessionId: string, wake: () => void, end: () => void): () => void {
      const set = subscribers.get(sessionId) ?? new Set();
      set.add(wake);
      subscribers.set(sessionId, set);
      enders.add(end);
      return () => {
        set.delete(wake);
        enders.delete(end);
        if (set.size === 0) subscribers.delete(sessionId);
      };
    },
    /** Ends every open stream, so a graceful shutdown does not wait on them. */
    closeStreams: () => [...enders].forEach((end) => end()),
    connections: () => [...subscribers.values()].reduce((n, s) => n + s.size, 0),
    async stop() {
      stopped = true;
      await client?.query('UNLISTEN *').catch(() => undefined);
      client?.release();
      client = null;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
