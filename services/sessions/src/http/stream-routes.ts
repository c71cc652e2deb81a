import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { route } from '@hourglass/http';
import { eventsAfter } from '../adapters/session-events';
import type { StreamHub } from '../adapters/stream-hub';
import type { StreamQuota } from '../adapters/stream-quota';
import { accessibleSession, type Deps } from '../use-cases/sessions';
import { sessionIdParam } from './schemas';

// Digits only: a coerced number would read an empty or blank header as 0.
const lastEventId = z.string().regex(/^[0-9]{1,15}$/).transform(Number).optional();
const HEARTBEAT_MS = 15_000;

/**
 * GET /api/sessions/:id/events — Server-Sent Events for the session's participants: session:started, :extended,
 * :ended / :expired, file:added, each with its per-session version as the SSE id. Reconnecting with Last-Event-ID
 * (or ?last_event_id=) replays exactly what was missed, in order, from Postgres. One stream serves every event. A user
 * holds at most `quota.maxPerUser` streams at once on a replica; one more is a 429 until one closes.
 */
export function streamRoutes(deps: Deps & { hub: StreamHub; quota: StreamQuota }, jwtSecret: string): Router {
  const router = Router();
  route(
    router,
    'get',
    '/sessions/:id/events',
    {
      summary: 'The session’s events as Server-Sent Events (participants); Last-Event-ID replays what was missed',
      tags: ['sessions'],
      params: sessionIdParam,
      query: z.object({
        last_event_id: lastEventId.describe('Last-Event-ID for clients that cannot set headers (the header wins)'),
        access_token: z.string().regex(/^[A-Za-z0-9_.-]{1,8192}$/, 'a JWT').optional().describe('The bearer token, for EventSource (which cannot set headers)'),
      }),
      headers: z.object({ 'Last-Event-ID': lastEventId.describe('The last version received; the stream resumes after it') }),
      responses: { 200: { description: 'session:started, session:extended, session:ending_soon, session:ended, session:expired, file:added', contentType: 'text/event-stream' } },
      errors: ['NOT_FOUND', 'TOO_MANY_REQUESTS'],
      use: [requireAuth(jwtSecret, undefined, { queryToken: true })],
    },
    async (req, res, { params, query, headers }) => {
    const row = await accessibleSession(deps, principalOf(req), params.id);
    const release = deps.quota.acquire(principalOf(req).sub);
    if (!release) {
      res.setHeader('retry-after', '5');
      throw new DomainError('TOO_MANY_REQUESTS', `At most ${deps.quota.maxPerUser} event streams may be open at once; close one first`, { max_streams: deps.quota.maxPerUser });
    }
    let last = headers['Last-Event-ID'] ?? query.last_event_id ?? 0;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');

    let pumping = false;
    let again = false;
    let closed = false;
    const pump = async () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (const e of await eventsAfter(deps.pool, row.id, last)) {
            if (closed || res.writableEnded) return;
            res.write(`id: ${e.version}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, version: e.version })}\n\n`);
            last = e.version;
          }
        } while (again && !closed);
      } catch (err) {
        req.log?.warn({ err }, 'session stream read failed; the client will reconnect');
        res.end();
      } finally {
        pumping = false;
      }
    };
    const unsubscribe = deps.hub.subscribe(row.id, () => void pump(), () => res.end());
    // Never a write after the answer ended (it would be an 'error' event on the response): the heartbeat stops with it.
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    // The response's close covers both ends: the client went away, or the stream was ended here (shutdown, read error).
    res.on('close', () => {
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      release();
    });
    await pump();
    },
  );
  return router;
}
