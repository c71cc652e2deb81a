import { signToken } from '@hourglass/auth';

/**
 * The one end-to-end check through the containers: an operator makes a plan of 3-second sessions (billing API), a
 * new user on it starts a session (sessions API: gate decision, credit from billing, workflow start), and nobody
 * ends it — the session workflow's timer, in the sessions worker container, must expire it.
 */
export const SHORT_PLAN = 'images-short';

async function call(base: string, path: string, token: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

function expect(what: string, res: { status: number; body: unknown }, ok: (status: number) => boolean): void {
  if (!ok(res.status)) throw new Error(`${what} → ${res.status} ${JSON.stringify(res.body)}`);
}

export async function sessionStartsAndExpires(o: { sessionsUrl: string; billingUrl: string; jwtSecret: string; timeoutMs?: number }): Promise<string> {
  const admin = await signToken({ sub: 'images-admin', role: 'admin' }, o.jwtSecret, '1h');
  const plan = await call(o.billingUrl, `/admin/plans/${SHORT_PLAN}`, admin, 'PUT', {
    name: SHORT_PLAN,
    mode: 'standard',
    max_sessions_per_period: null,
    max_minutes_per_period: null,
    session_minutes: { freemium: 0.05, paid: 0.05, test: 0.05, pack: 0.05 },
    cooldown_minutes: 0,
    max_upload_mb: 10,
    signup_free_credits: 1,
  });
  expect('PUT /admin/plans', plan, (s) => s === 200 || s === 201);
  const userId = `images-user-${Date.now()}`;
  expect('PUT /admin/users/:id/plan', await call(o.billingUrl, `/admin/users/${userId}/plan`, admin, 'PUT', { plan: SHORT_PLAN }), (s) => s < 300);
  const user = await signToken({ sub: userId, role: 'user' }, o.jwtSecret, '1h');
  const started = await call(o.sessionsUrl, '/api/sessions', user, 'POST', { mode: 'intake' });
  expect('POST /api/sessions', started, (s) => s === 201);
  const session = started.body.session as { id: string; expires_at: string };
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const now = await call(o.sessionsUrl, `/api/sessions/${session.id}`, user);
    expect('GET /api/sessions/:id', now, (s) => s === 200);
    // Past its deadline a session reads `expired` at once; ended_at appears when the workflow has recorded it.
    if (now.body.ended_at) {
      if (now.body.status !== 'expired' || now.body.ended_at !== session.expires_at) throw new Error(`${now.body.status} at ${now.body.ended_at}, not expired at its deadline ${session.expires_at}`);
      return `session ${session.id} started and expired by itself at ${session.expires_at} (recorded by the worker)`;
    }
    if (Date.now() > deadline) throw new Error(`session ${session.id} still ${now.body.status} ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s after it started (expires_at ${session.expires_at})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
