import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { descendantPid, rssBytes } from './cpu';
import { setDefaultPlan, startFor, workerRssBytes, type StackEnv } from './scenarios';
import { summarize } from './stats';

const MARGIN_S = 20;
const CHUNKS = 10;
const CONCURRENCY = 8;
const PROBE = 40;

/** Runs fn `count` times, CONCURRENCY at a time (closed loop: this is set-up, not the measurement). */
async function inParallel(count: number, fn: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await fn();
      }
    }),
  );
}

/** RSS of the sessions worker: its /proc entry when the stack is ours, else its /metrics. */
export async function sessionsWorkerRss(env: StackEnv): Promise<number> {
  const pid = descendantPid(/services\/sessions\/src\/worker/);
  return pid ? rssBytes(pid) : workerRssBytes(env);
}

const mb = (b: number) => Math.round(b / 2 ** 20);

/**
 * Timer lateness and worker memory: n sessions started by new users (POST /api/sessions), all live at once, with
 * staggered short durations so that their deadlines fall over a window of ~windowRatio × the creation time after
 * the last start (expiring a session costs more than starting one: keep the expiry rate below the start rate). The plan's freemium length (fractional minutes) is set before each tenth of the starts: early
 * sessions get longer durations than late ones. n is what the time left allows (from a probe of PROBE starts that
 * measures the start rate; they keep the 60-minute plan, stay live and are not timed), between minN and maxN.
 * Lateness = the moment the expiry was written to the read model (`updated_at`, set by the same UPDATE that sets
 * status 'expired') − `expires_at`. (`ended_at` is no use here: the workflow writes min(now, expires_at), i.e. the
 * deadline itself.) The sessions worker's RSS is read before the probe and with all of them live; per live session =
 * growth / sessions that became live in between.
 */
export async function timerLateness(env: StackEnv, o: { endBy: number; secondsLeft: number; minN: number; maxN: number; forceN?: number; windowRatio: number; rssAtStackStart: number }) {
  const db = new pg.Client({ connectionString: env.sessionsDatabaseUrl });
  await db.connect();
  const liveCount = async () => (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE status = 'active'`)).rows[0].n as number;
  try {
    const liveBefore = await liveCount();
    const rssBefore = await sessionsWorkerRss(env);
    const probeStarted = Date.now();
    await inParallel(PROBE, () => startFor(env, `timer-probe-${randomUUID()}`).then(() => undefined));
    const probeRate = PROBE / ((Date.now() - probeStarted) / 1000);
    // creation + margin + deadline window (+ a chunk of spread and a tail for the last expiries) must fit
    const creationFits = (o.secondsLeft - (Date.now() - probeStarted) / 1000 - MARGIN_S - 20) / (1 + o.windowRatio + 1 / CHUNKS);
    const fit = Math.floor(probeRate * creationFits);
    const n = o.forceN ?? Math.min(o.maxN, Math.max(o.minN, fit));
    const note =
      fit >= o.maxN
        ? `${o.maxN.toLocaleString('en')} live sessions fit the budget`
        : `${o.maxN.toLocaleString('en')} live sessions do not fit in the budget: at ${probeRate.toFixed(1)} starts/s creating them alone takes ${Math.round(o.maxN / probeRate / 60)} min; ran ${n}` +
          (fit < n ? ` (the floor asked for; over the budget by ~${Math.round(((n - fit) / probeRate) * (1 + o.windowRatio))} s)` : ' (what fits the budget)');
    process.stderr.write(`  timers: ${note}\n`);
    const ids: string[] = [];
    const durations: number[] = [];
    const samples: Array<{ live: number; rss_mb: number }> = [{ live: liveBefore, rss_mb: mb(rssBefore) }];
    let rate = probeRate;
    const chunk = Math.ceil(n / CHUNKS);
    const t0 = Date.now();
    let creationEstimate = n / rate;
    for (let c = 0; c < CHUNKS && ids.length < n; c++) {
      const elapsed = (Date.now() - t0) / 1000;
      if (ids.length > 0) rate = ids.length / elapsed;
      const remaining = ((n - ids.length) / rate) * 1.15; // a little slack: every session must still be live at the end
      if (c === 0) creationEstimate = remaining;
      const seconds = remaining + MARGIN_S + (c / CHUNKS) * o.windowRatio * creationEstimate;
      durations.push(Math.round(seconds));
      await setDefaultPlan(env, seconds / 60);
      await inParallel(Math.min(chunk, n - ids.length), async () => void ids.push((await startFor(env, `timer-${randomUUID()}`)).id));
      const live = await liveCount();
      samples.push({ live, rss_mb: mb(await sessionsWorkerRss(env)) });
      process.stderr.write(`  timers: ${ids.length}/${n} started (${(ids.length / ((Date.now() - t0) / 1000)).toFixed(1)}/s), ${live} live, duration ${Math.round(seconds)} s, worker RSS ${samples.at(-1)!.rss_mb} MB\n`);
    }
    const createdSeconds = (Date.now() - t0) / 1000;
    const livePeak = await liveCount();
    const rssPeak = await sessionsWorkerRss(env);
    const stillLive = (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids])).rows[0].n as number;
    const { rows: span } = await db.query(`SELECT extract(epoch FROM min(expires_at) - now()) AS first_s, extract(epoch FROM max(expires_at) - min(expires_at)) AS window_s FROM sessions WHERE id = ANY($1::uuid[])`, [ids]);
    process.stderr.write(`  timers: all started in ${Math.round(createdSeconds)} s, ${stillLive} of them live together; deadlines from +${Math.round(span[0].first_s)} s over ${Math.round(span[0].window_s)} s\n`);
    await setDefaultPlan(env, 60);

    // Wait for the last deadline plus 3 minutes, but never past the run's budget: what has not expired by then is
    // reported as not expired (its lateness is at least the wait).
    const deadline = Math.min(Date.now() + (Number(span[0].first_s) + Number(span[0].window_s) + 180) * 1000, o.endBy);
    let active = stillLive;
    while (active > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      active = (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids])).rows[0].n;
      process.stderr.write(`  timers: ${ids.length - active}/${ids.length} expired\n`);
    }
    const { rows } = await db.query(`SELECT status, extract(epoch FROM (updated_at - expires_at)) * 1000 AS late_ms FROM sessions WHERE id = ANY($1::uuid[])`, [ids]);
    const expired = rows.filter((r) => r.status === 'expired');
    // The worker's sticky cache (WORKER_MAX_CACHED_WORKFLOWS, one workflow per live session): past it, sleeping
    // sessions are evicted (and replay their short history when their timer fires) and RSS stops growing.
    const cache = Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 250);
    const withinCache = samples.filter((x) => x.live <= cache);
    return {
      note,
      probe: { sessions: PROBE, starts_per_s: Math.round(probeRate * 10) / 10 },
      sessions: ids.length,
      live_together: stillLive,
      durations_s: durations,
      started_over_seconds: Math.round(createdSeconds),
      starts_per_s: Math.round((ids.length / createdSeconds) * 10) / 10,
      deadlines_window_s: Math.round(Number(span[0].window_s)),
      expiries_per_s: Math.round((ids.length / Math.max(1, Number(span[0].window_s))) * 10) / 10,
      expired: expired.length,
      not_expired: rows.length - expired.length,
      lateness: summarize(expired.map((r) => Number(r.late_ms))),
      worker: {
        rss_mb_at_stack_start: mb(o.rssAtStackStart),
        rss_mb_before: mb(rssBefore),
        live_before: liveBefore,
        rss_mb_peak: mb(rssPeak),
        live_peak: livePeak,
        kb_per_live_session: Math.round((rssPeak - rssBefore) / 1024 / Math.max(1, livePeak - liveBefore)),
        sticky_cache_workflows: cache,
        kb_per_live_session_within_cache: withinCache.length > 1 ? Math.round(((withinCache.at(-1)!.rss_mb - withinCache[0]!.rss_mb) * 1024) / (withinCache.at(-1)!.live - withinCache[0]!.live)) : null,
        samples,
      },
    };
  } finally {
    await setDefaultPlan(env, 60).catch(() => undefined);
    await db.end();
  }
}
