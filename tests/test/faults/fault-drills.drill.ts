import { tokenFor } from '@hourglass/testing';
import { drillEnv, stackControl, type DrillEnv, type StackControl } from './drill-stack';
import { Checker, gapsOf, History, renderTable, SESSION_MS, type CheckResult, type Gaps } from './invariants';
import { KafkaProbe } from './kafka';
import { Load } from './load';

// Fault drills (`npm run test:faults`): one stack of their own; under a steady open-loop load each drill crashes or
// stops one part of it, brings it back, lets everything settle and checks what the services recorded against the
// invariants (invariants.ts). Each drill prints what it did, what the clients saw and the figures, and fails on any
// difference it introduced itself (a gap an earlier drill left is shown, not counted again). The stack runs two
// replicas of everything: the single-instance drills park the second ones, the replica drills at the end bring them
// back and kill one of each in turn.

const RATE_PER_SECOND = 5;
const USERS_PER_DRILL = 60;
/** Load before the fault, and after the faulty part is back. */
const LEAD_MS = 6_000;
const TAIL_MS = 8_000;
/** How long an infrastructure component stays down. */
const OUTAGE_MS = 5_000;
const QUIET_TIMEOUT_MS = 180_000;

jest.setTimeout(420_000);

let env: DrillEnv;
let control: StackControl;
let kafka: KafkaProbe;
let checker: Checker;
const history = new History();
const seenProblems = new Set<string>();
let previous: Record<string, number> = {};
let previousGaps: Gaps = new Map();
const suiteStarted = Date.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const print = (text: string) => process.stdout.write(`${text}\n`);

beforeAll(async () => {
  env = drillEnv();
  control = stackControl();
  kafka = new KafkaProbe(env.kafkaBrokers);
  checker = new Checker(env, kafka);
  // The drill plan: 15-second sessions and a 3-second cooldown, so sessions start, expire and are extended within a
  // drill (the default plan's 5-minute sessions would outlast it).
  const admin = await tokenFor('fault-drill-admin', 'admin', env.jwtSecret);
  const res = await fetch(`${env.billingUrl}/admin/plans/standard`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      name: 'Standard (fault drills)',
      mode: 'standard',
      max_sessions_per_period: null,
      max_minutes_per_period: null,
      session_minutes: { freemium: SESSION_MS / 60_000, paid: SESSION_MS / 60_000, test: SESSION_MS / 60_000, pack: SESSION_MS / 60_000 },
      cooldown_minutes: 0.05,
      max_upload_mb: 10,
      signup_free_credits: 3,
    }),
  });
  if (res.status !== 200) throw new Error(`PUT /admin/plans/standard → ${res.status} ${await res.text()}`);
  // The stack runs two replicas of everything (for the replica drills at the end); the single-instance drills first
  // stop the second ones, so that killing "the sessions worker" leaves no other to carry on.
  for (const c of await control.components()) {
    if (!/-\d+$/.test(c.name)) continue;
    await control.stop(c.name);
    parked.add(c.name);
  }
  if (parked.size > 0) print(`single-instance drills first: stopped the replicas ${[...parked].join(', ')}`);
});

afterAll(async () => {
  await checker?.close();
  print(`\nfault drills: ${secs(Date.now() - suiteStarted)} in all (stack logs: ${env?.logDir})`);
});

/** Replicas kept down on purpose (the single-instance drills run with one of each): not supervised. */
const parked = new Set<string>();

/** A process of the stack that exited on its own is started again (what an orchestrator does), and said so. */
async function supervise(did: string[]): Promise<void> {
  for (const c of await control.components()) {
    if (c.running || parked.has(c.name)) continue;
    did.push(`${c.name} exited on its own (${c.exit}); started again by the drill, as an orchestrator would`);
    await control.start(c.name);
  }
}

async function killAndRestart(name: string, did: string[]): Promise<void> {
  const killed = await control.stop(name, 'SIGKILL');
  const started = await control.start(name);
  did.push(`SIGKILL ${name} (pid ${killed.pid}); started again (pid ${started.pid}), ready after ${secs(started.ms)}`);
}

async function outage(name: 'kafka' | 'postgres' | 'temporal', did: string[]): Promise<void> {
  const stopped = await control.stop(name);
  await sleep(OUTAGE_MS);
  const started = await control.start(name);
  did.push(`stopped ${name} (took ${secs(stopped.ms)}), left it down ${secs(OUTAGE_MS)}, started it again (ready after ${secs(started.ms)})`);
}

/**
 * SIGKILL the sessions API in the moment between a start's credit and its workflow: watched for in both databases (a
 * `starting` row whose credit billing has already taken). The start must then settle by itself: given up by the sweeper
 * of the restarted API with its credit given back — or, if the kill came just after the workflow had started, made
 * active by the workflow's first step. Either way no credit is lost or doubled. Tried until one start is caught before
 * its workflow (the window is a few milliseconds).
 */
async function killBetweenCreditAndWorkflow(did: string[]): Promise<void> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const caught = await checker.startBetweenCreditAndWorkflow(20_000);
    if (!caught) throw new Error('no start was seen between its credit and its workflow within 20 s: is the load running?');
    const killed = await control.stop('sessions', 'SIGKILL');
    const started = await control.start('sessions');
    const outcome = await checker.settledStart(caught, 60_000);
    did.push(`attempt ${attempt}: start ${caught} had its credit and no session yet; SIGKILL sessions (pid ${killed.pid}); started again (ready after ${secs(started.ms)}); the start then ${outcome === 'abandoned' ? 'was given up by the sweeper (its workflow had not been started)' : `became ${outcome} (its workflow had been started just before the kill)`}`);
    if (outcome === 'abandoned') return;
  }
  throw new Error('eight kills all came after the workflow had started: the window between the credit and the workflow was never caught');
}

/** The consumer groups and what each reads (the services' subscriptions). */
const GROUPS = [
  { service: 'sessions', group: 'sessions', topics: ['billing.credit.granted.v1', 'billing.extension.paid.v1', 'billing.pack.paid.v1'] },
  { service: 'billing', group: 'billing', topics: ['sessions.extension.rejected.v1', 'sessions.session.abandoned.v1'] },
  { service: 'notifications', group: 'notifications', topics: ['sessions.session.started.v1', 'sessions.session.ended.v1', 'sessions.session.extended.v1', 'notifications.requested.v1'] },
] as const;

/** Every message delivered to every consumer group again: stop the consumers, rewind the groups, start them. */
async function redeliverEverything(did: string[]): Promise<void> {
  await Promise.all(GROUPS.map((g) => control.stop(g.service)));
  for (const g of GROUPS) {
    const t0 = Date.now();
    while ((await kafka.groupState(g.group)) !== 'Empty') {
      if (Date.now() - t0 > 60_000) throw new Error(`consumer group ${g.group} did not become empty`);
      await sleep(500);
    }
    const before = await kafka.lag(g.group, g.topics);
    await kafka.rewind(g.group, g.topics);
    const after = await kafka.lag(g.group, g.topics);
    did.push(`group ${g.group}: stopped ${g.service}, rewound to the earliest offsets — ${after - before} messages already consumed will be delivered again (${g.topics.join(', ')})`);
  }
  await Promise.all(GROUPS.map((g) => control.start(g.service)));
  for (const g of GROUPS) {
    const t0 = Date.now();
    let lag = await kafka.lag(g.group, g.topics);
    while (lag > 10 && Date.now() - t0 < 60_000) {
      await sleep(500);
      lag = await kafka.lag(g.group, g.topics);
    }
    did.push(`group ${g.group}: read everything again in ${secs(Date.now() - t0)} (lag now ${lag})`);
  }
}

/** Ends what still runs (users leave) and waits until nothing is in flight anywhere. */
async function quiesce(load: Load, did: string[]): Promise<{ ms: number; left: Record<string, number> }> {
  const t0 = Date.now();
  let left: Record<string, number> = {};
  let quietPolls = 0;
  while (Date.now() - t0 < QUIET_TIMEOUT_MS) {
    try {
      await supervise(did);
      const active = await checker.activeSessions();
      if (active.length > 0) await load.endAll(active);
      left = await checker.pending();
    } catch (e) {
      left = { [`cannot ask yet: ${(e as Error).message}`]: 1 };
    }
    quietPolls = Object.keys(left).length === 0 ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return { ms: Date.now() - t0, left };
    await sleep(1000);
  }
  return { ms: Date.now() - t0, left };
}

function describeClients(load: Load): string {
  const c = load.counts;
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
  return [
    `${c.actions} actions at ${RATE_PER_SECOND}/s by ${load.userIds.length} users`,
    `${c.start_requests} session starts → ${c.starts_201} × 201, ${c.starts_refused} refused${load.refusals.size ? ` (${top(load.refusals)})` : ''}; ${c.ends} ended by their owners`,
    `${c.credit_payments} credit purchases and ${c.extension_payments} paid extensions as signed Stripe webhooks, ${c.webhook_replays} delivered again; ${c.notification_requests} notification requests`,
    `${c.client_errors} errors the clients retried${load.errorKinds.size ? ` (${top(load.errorKinds)})` : ''}; ${c.gave_up} gave up`,
  ].join('\n    ');
}

function describeFigures(r: CheckResult): string {
  const f = r.figures;
  const d = (k: string) => `${f[k]}${previous[k] !== undefined && f[k] !== previous[k] ? ` (+${f[k]! - previous[k]!})` : ''}`;
  return [
    `users ${d('users')}; sessions started ${d('sessions_started')}, starts given up ${d('starts_abandoned')}, credits consumed and not given back ${d('credits_consumed_net')}`,
    `credits granted ${d('credits_granted')} = consumed ${d('credits_consumed')} − given back ${d('credits_given_back')} + remaining ${d('credits_remaining')} + refunded ${d('credits_refunded')} + revoked ${d('credits_revoked')}`,
    `extensions applied ${d('extensions_applied')}, paid after the session ended → refunded ${d('extensions_refunded')}`,
    `notifications ${d('notifications')}: delivered ${d('notifications_delivered')}, dead-lettered ${d('notifications_dead')}, cancelled (superseded "1 minute left") ${d('notifications_cancelled')}, skipped ${d('notifications_skipped')}; emails ${d('emails')} (same Message-ID sent again: ${d('emails_resent_same_message_id')})`,
    `outbox rows sessions ${d('outbox_sessions')}, billing ${d('outbox_billing')}, notifications ${d('outbox_notifications')}`,
  ].join('\n    ');
}

type Fault = (did: string[], load: Load) => Promise<void>;

const drills: [string, Fault][] = [
  ['control: no fault', async () => undefined],
  ['SIGKILL the sessions API, restart it', (did) => killAndRestart('sessions', did)],
  ['SIGKILL the billing API, restart it', (did) => killAndRestart('billing', did)],
  ['SIGKILL the notifications service, restart it', (did) => killAndRestart('notifications', did)],
  ['SIGKILL the sessions API between a start’s credit and its workflow, restart it', killBetweenCreditAndWorkflow],
  ['SIGKILL the sessions worker, restart it', (did) => killAndRestart('sessions-worker', did)],
  ['stop Kafka, restart it', (did) => outage('kafka', did)],
  ['stop Postgres, restart it', (did) => outage('postgres', did)],
  ['stop the Temporal dev server, restart it (state in its SQLite file)', (did) => outage('temporal', did)],
  ['deliver every Kafka message again (consumer groups rewound to the earliest offset)', redeliverEverything],
];

test.each(drills.map(([name, fault], i) => [name, fault, i] as const))('%s', (name, fault, index) => runDrill(name, fault, index, drills.length));

/**
 * Replicas : with two of each service and worker — the APIs behind the launcher's round-robin balancers —
 * one replica of each in turn is SIGKILLed under the same load and left down for REPLICA_DOWN_MS: the other must
 * carry on (sessions keep starting, no client gives up) and the invariants must hold; then it is started again.
 */
const REPLICA_DOWN_MS = 15_000;
// (The billing worker only serves executions started before the start gate moved into Postgres: none run here.)
const REPLICATED = ['sessions', 'billing', 'notifications', 'sessions-worker'];

describe('one of two replicas killed, the other carries on', () => {
  beforeAll(async () => {
    for (const name of parked) await control.start(name);
    if (parked.size > 0) print(`\nreplica drills: started ${[...parked].join(', ')} again`);
    parked.clear();
  });

  test.each(REPLICATED.map((name, i) => [name, i] as const))('SIGKILL one %s replica', async (name, i) => {
    const components = await control.components();
    const others = components.filter((c) => c.name !== name && c.name.replace(/-\d+$/, '') === name && c.running).map((c) => c.name);
    if (others.length === 0) throw new Error(`no other ${name} replica runs: the fault drills need HOURGLASS_REPLICAS ≥ 2`);
    let during = { starts_201: 0, client_errors: 0, gave_up: 0 };
    await runDrill(
      `SIGKILL ${name} (one of ${others.length + 1} replicas), the other carries on`,
      async (did, load) => {
        const before = { ...load.counts };
        const killed = await control.stop(name, 'SIGKILL');
        await sleep(REPLICA_DOWN_MS);
        during = { starts_201: load.counts.starts_201 - before.starts_201, client_errors: load.counts.client_errors - before.client_errors, gave_up: load.counts.gave_up - before.gave_up };
        did.push(`SIGKILL ${name} (pid ${killed.pid}); ${others.join(', ')} alone for ${secs(REPLICA_DOWN_MS)}: ${during.starts_201} sessions started, ${during.client_errors} errors the clients retried`);
        const started = await control.start(name);
        did.push(`started ${name} again (pid ${started.pid}), ready after ${secs(started.ms)}`);
      },
      drills.length + i,
      drills.length + REPLICATED.length,
    );
    expect(during.starts_201).toBeGreaterThan(0);
    expect(during.gave_up).toBe(0);
  });
});

async function runDrill(name: string, fault: Fault, index: number, total: number): Promise<void> {
  const t0 = Date.now();
  const tag = `fd${index}-${Date.now().toString(36)}`;
  const load = new Load(env, Array.from({ length: USERS_PER_DRILL }, (_, i) => `${tag}-u${i}`), RATE_PER_SECOND);
  await load.prepareUsers();
  const did: string[] = [];
  load.start();
  await sleep(LEAD_MS);
  const faultAt = Date.now();
  try {
    await fault(did, load);
  } finally {
    await sleep(TAIL_MS);
    await load.stop();
  }
  did.unshift(`load for ${secs(LEAD_MS)}, then (${secs(Date.now() - faultAt - TAIL_MS)}):`);
  did.push(`load for ${secs(TAIL_MS)} more, stopped; every client request finished`);
  const quiet = await quiesce(load, did);
  history.add(load);
  const result = await checker.check(history);
  const fresh = result.problems.filter((p) => !seenProblems.has(p));
  const carried = result.problems.length - fresh.length;
  for (const p of result.problems) seenProblems.add(p);
  // This drill's own difference per invariant: how much it moved the gap between the two sides.
  const ownGaps = result.rows.filter((r) => r.left - r.right !== (previousGaps.get(r.check) ?? 0)).map((r) => `${r.check}: gap ${(previousGaps.get(r.check) ?? 0)} → ${r.left - r.right}`);
  const table = renderTable(result.rows, previousGaps);
  previousGaps = gapsOf(result.rows);
  const own = [...ownGaps, ...fresh];

  print(
    [
      '',
      `━━ drill ${index + 1}/${total}: ${name}`,
      `  did:\n    ${did.join('\n    ')}`,
      `  clients:\n    ${describeClients(load)}`,
      `  quiet ${Object.keys(quiet.left).length ? `NOT reached after ${secs(quiet.ms)}: ${JSON.stringify(quiet.left)}` : `after ${secs(quiet.ms)}`}`,
      `  figures (whole stack, + this drill):\n    ${describeFigures(result)}`,
      table,
      own.length === 0
        ? `  ✔ no difference of its own${carried ? ` (${carried} from earlier drills still there)` : ''} — drill took ${secs(Date.now() - t0)}`
        : `  ✖ ${own.length} difference(s) of its own${carried ? ` (and ${carried} from earlier drills)` : ''}:\n    ${own.slice(0, 30).join('\n    ')}${own.length > 30 ? `\n    … and ${own.length - 30} more` : ''}`,
    ].join('\n'),
  );
  previous = result.figures;
  expect(own).toEqual([]);
}
