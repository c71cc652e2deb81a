import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { descendantPid, rssBytes } from './cpu';
import { setDefaultPlan, startFor, workerRssBytes, type StackEnv } from './scenarios';
import { summarize } from './stats';

const MARGIN_S = 20;
const CHUNKS = 10;
const CONCURRENCY = 8;

/** RSS of the sessions worker: its /proc entry when the stack is ours, else its /metrics. */
export async function sessionsWorkerRss(env: StackEnv): Promise<number> {
  const pid = descendantPid(/services\/sessions\/src\/worker/);
  return pid ? rssBytes(pid) : workerRssBytes(env);
}

const mb = (b: number) => Math.round(b / 2 ** 20);

/**
 * Timer lateness and worker memory: n sessions started by new users (POST /api/sessions), all live at once, with
 * staggered short durations so that their deadlines fall over a window of ~windowRatio × the creation time after
 * the last start. The plan's freemium length (fractional minutes) is set before each tenth of the starts: early
 * sessions get longer durations than late ones. Lateness = the moment the expiry was written to the read model
 * (`updated_at`, set by the same UPDATE that sets status 'expired') − `expires_at`. (`ended_at` is no use here: the
 * workflow writes min(now, expires_at), i.e. the deadline itself.) The sessions worker's RSS is read before the
 * first start and with all n live; per live session = growth / sessions that became live in between.
 */
export async function timerLateness(env: StackEnv, o: { n: number; startsPerSecond: number; windowRatio: number; rssAtStackStart: number }) {
  const db = new pg.Client({ connectionString: env.sessionsDatabaseUrl });
  await db.connect();
  const liveCount = async () => (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE status = 'active'`)).rows[0].n as number;
  try {
    const liveBefore = await liveCount();
    const rssBefore = await sessionsWorkerRss(env);
    const ids: string[] = [];
    const durations: number[] = [];
    const samples: Array<{ live: number; rss_mb: number }> = [{ live: liveBefore, rss_mb: mb(rssBefore) }];
    let rate = o.startsPerSecond;
    const chunk = Math.ceil(o.n / CHUNKS);
    const t0 = Date.now();
    let creationEstimate = o.n / rate;
    for (let c = 0; c < CHUNKS && ids.length < o.n; c++) {
      const elapsed = (Date.now() - t0) / 1000;
      if (ids.length > 0) rate = ids.length / elapsed;
      const remaining = ((o.n - ids.length) / rate) * 1.15; // a little slack: every session must still be live at the end
      if (c === 0) creationEstimate = remaining;
      const seconds = remaining + MARGIN_S + (c / CHUNKS) * o.windowRatio * creationEstimate;
      durations.push(Math.round(seconds));
      await setDefaultPlan(env, seconds / 60);
      const todo = Math.min(chunk, o.n - ids.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < todo) {
            next++;
            ids.push((await startFor(env, `timer-${randomUUID()}`)).id);
          }
        }),
      );
      const live = await liveCount();
      samples.push({ live, rss_mb: mb(await sessionsWorkerRss(env)) });
      process.stderr.write(`  timers: ${ids.length}/${o.n} started (${(ids.length / ((Date.now() - t0) / 1000)).toFixed(1)}/s), ${live} live, duration ${Math.round(seconds)} s, worker RSS ${samples.at(-1)!.rss_mb} MB\n`);
    }
    const createdSeconds = (Date.now() - t0) / 1000;
    const livePeak = await liveCount();
    const rssPeak = await sessionsWorkerRss(env);
    const stillLive = (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids])).rows[0].n as number;
    const { rows: span } = await db.query(`SELECT extract(epoch FROM min(expires_at) - now()) AS first_s, extract(epoch FROM max(expires_at) - min(expires_at)) AS window_s FROM sessions WHERE id = ANY($1::uuid[])`, [ids]);
    process.stderr.write(`  timers: all started in ${Math.round(createdSeconds)} s, ${stillLive} of them live together; deadlines from +${Math.round(span[0].first_s)} s over ${Math.round(span[0].window_s)} s\n`);
    await setDefaultPlan(env, 60);

    const deadline = Date.now() + (Number(span[0].first_s) + Number(span[0].window_s) + 180) * 1000;
    let active = stillLive;
    while (active > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      active = (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE id = ANY($1::uuid[]) AND status = 'active'`, [ids])).rows[0].n;
      process.stderr.write(`  timers: ${ids.length - active}/${ids.length} expired\n`);
    }
    const { rows } = await db.query(`SELECT status, extract(epoch FROM (updated_at - expires_at)) * 1000 AS late_ms FROM sessions WHERE id = ANY($1::uuid[])`, [ids]);
    const expired = rows.filter((r) => r.status === 'expired');
    return {
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
        samples,
      },
    };
  } finally {
    await setDefaultPlan(env, 60).catch(() => undefined);
    await db.end();
  }
}
