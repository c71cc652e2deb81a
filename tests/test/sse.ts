import { stack } from '@hourglass/testing';

export interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/**
 * A minimal Server-Sent Events reader over fetch, as a browser's EventSource would see the stream: it collects
 * every event in order and lets a test wait for a count or close the connection.
 */
export async function openStream(sessionId: string, token: string, { lastEventId, baseUrl = stack.sessionsUrl }: { lastEventId?: number; baseUrl?: string } = {}) {
  const controller = new AbortController();
  const res = await fetch(new URL(`/api/sessions/${sessionId}/events`, baseUrl), {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
          if (fields.event) events.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data ?? 'null') });
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      /* aborted */
    } finally {
      ended = true;
      waiters.splice(0).forEach((w) => w());
    }
  })();

  return {
    status: res.status,
    events,
    /** Resolves once at least n events arrived (fails after timeoutMs). */
    async waitFor(n: number, timeoutMs = 20_000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (ended) throw new Error(`stream ended after ${events.length} of ${n} events`);
        if (Date.now() > deadline) throw new Error(`timed out with ${events.length} of ${n} events: ${events.map((e) => e.event).join(', ')}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return events;
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
