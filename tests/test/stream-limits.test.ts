import { eventually, stack } from '@hourglass/testing';
import { liveSession } from './live';
import { openStream } from './sse';

// One user may not hold an unbounded number of event streams (150 on one session were all accepted): past the cap
// (10 per user per replica) a new one is a 429 until one closes; other users are not affected.
jest.setTimeout(60_000);

test('the 11th stream of one user is a 429; the other participant still connects; closing one lets the next in', async () => {
  const { customer, provider, session } = await liveSession();
  const streams = await Promise.all(Array.from({ length: 10 }, () => openStream(session.id, customer.token)));
  try {
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    // Bounded: an accepted stream would never end by itself.
    const refused = await fetch(new URL(`/api/sessions/${session.id}/events`, stack.sessionsUrl), { headers: { authorization: `Bearer ${customer.token}` }, signal: AbortSignal.timeout(10_000) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'TOO_MANY_REQUESTS', max_streams: 10 });

    const other = await openStream(session.id, provider.token);
    expect(other.status).toBe(200);
    await other.close();

    await streams.pop()!.close();
    const again = await eventually(async () => {
      const s = await openStream(session.id, customer.token);
      if (s.status === 200) return s;
      await s.close();
      return undefined;
    }, { what: 'a stream once one closed' });
    streams.push(again);
  } finally {
    await Promise.all(streams.map((s) => s.close()));
  }
});
