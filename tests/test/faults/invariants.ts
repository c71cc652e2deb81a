import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { decodeEvent, type TopicName } from '@hourglass/proto';
import type { DrillEnv } from './drill-stack';
import type { CreditPayment, ExtensionPayment, Load, NotificationRequest } from './load';
import type { KafkaProbe } from './kafka';

/**
 * What the system recorded, read from the services' own databases (and Kafka's dead-letter topics), checked against
 * the invariants over everything every drill ever did on this stack:
 *  - credits: granted = consumed − given back + remaining + refunded (+ revoked/expired), per user and in total, and
 *    every grant's remaining equals the sum of its ledger rows;
 *  - every session recorded is paid by exactly one consumed credit (not given back), and every consumed credit not
 *    given back paid for a recorded session; every 201 a client saw is a recorded session; every finished session's
 *    usage is recorded;
 *  - every paid webhook has exactly one effect: one grant per credit payment; one extension (or, when the session had
 *    ended, one refund of the payment instead — never a credit) per extension payment, and the session's deadline
 *    moved by exactly what was paid;
 *  - every requested notification (the clients' requests, and one per session started, ended and extended) is one
 *    row that ended delivered or dead-lettered, and every delivered one reached the mail sink;
 *  - every outbox row is published, and every published event reached the consumer group that acts on it;
 *    nothing went to a Kafka dead-letter topic.
 */

/** Which consumer group acts on which topic (the services' subscriptions, see each app.ts). */
const CONSUMERS: { db: 'sessions' | 'billing' | 'notifications'; group: string; topics: TopicName[]; producedIn: 'sessions' | 'billing' }[] = [
  { db: 'sessions', group: 'sessions', topics: ['billing.credit.granted.v1', 'billing.extension.paid.v1', 'billing.pack.paid.v1'], producedIn: 'billing' },
  { db: 'billing', group: 'billing', topics: ['sessions.extension.rejected.v1', 'sessions.session.abandoned.v1'], producedIn: 'sessions' },
  { db: 'notifications', group: 'notifications', topics: ['sessions.session.started.v1', 'sessions.session.ended.v1', 'sessions.session.extended.v1'], producedIn: 'sessions' },
  { db: 'notifications', group: 'notifications', topics: ['billing.credit.granted.v1', 'billing.credit.refunded.v1'], producedIn: 'billing' },
];

/** Length of a session under the drill plan (drill-plan in fault-drills.drill.ts). */
export const SESSION_MS = 15_000;

/** Everything the clients of every drill were told, accumulated. */
export class History {
  readonly observed = new Map<string, string>();
  readonly creditPayments: CreditPayment[] = [];
  readonly extensionPayments: ExtensionPayment[] = [];
  readonly notificationRequests: NotificationRequest[] = [];
  add(load: Load): void {
    for (const [id, o] of load.observed) this.observed.set(id, o.userId);
    this.creditPayments.push(...load.creditPayments.filter((p) => p.acknowledged));
    this.extensionPayments.push(...load.extensionPayments.filter((p) => p.acknowledged));
    this.notificationRequests.push(...load.notificationRequests.filter((r) => r.acknowledged));
  }
}

export interface Row {
  check: string;
  left: number;
  right: number;
}

export interface CheckResult {
  /** Every invariant, with the figures on both sides: a row whose sides differ is a difference (counted per drill). */
  rows: Row[];
  /** One line per item that breaks an invariant (a user, a payment, a session), stable across drills, so a drill can tell its own from earlier ones. */
  problems: string[];
  figures: Record<string, number>;
}

function pool(url: string): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5000 });
  p.on('error', () => undefined); // idle connections die when Postgres is stopped: that is the drill, not a failure
  return p;
}

const count = <T>(items: Iterable<T>, key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
};

export class Checker {
  readonly db: Record<'sessions' | 'billing' | 'notifications', pg.Pool>;

  constructor(
    private readonly env: DrillEnv,
    private readonly kafka: KafkaProbe,
  ) {
    this.db = { sessions: pool(env.databaseUrls.sessions), billing: pool(env.databaseUrls.billing), notifications: pool(env.databaseUrls.notifications) };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.db).map((p) => p.end()));
  }

  /** Sessions still running (to be ended by their owners before the system can go quiet). */
  async activeSessions(): Promise<{ id: string; user_id: string }[]> {
    return (await this.db.sessions.query(`SELECT id::text, user_id FROM sessions WHERE status IN ('active', 'scheduled')`)).rows;
  }

  /**
   * Watches both databases for a start caught between its credit and its workflow: a `starting` session row whose credit
   * billing has already taken. Its id, or null if none was seen in time.
   */
  async startBetweenCreditAndWorkflow(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const starting = (await this.db.sessions.query(`SELECT id::text FROM sessions WHERE status = 'starting'`)).rows.map((r) => r.id as string);
      if (starting.length > 0) {
        const paid = (await this.db.billing.query(`SELECT session_id FROM credit_ledger WHERE reason = 'consume' AND session_id = ANY($1)`, [starting])).rows;
        if (paid.length > 0) return paid[0].session_id as string;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return null;
  }

  /** Waits until a start is no longer `starting`, and says what it became. */
  async settledStart(sessionId: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await this.db.sessions.query(`SELECT status FROM sessions WHERE id = $1`, [sessionId])).rows[0]?.status as string | undefined;
      if (status && status !== 'starting') return status;
      if (Date.now() > deadline) throw new Error(`start ${sessionId} still ${status ?? 'missing'} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What is still moving, by name (empty when the system is quiet). */
  async pending(): Promise<Record<string, number>> {
    const one = async (p: pg.Pool, sql: string) => Number((await p.query(sql)).rows[0].n);
    const waiting: Record<string, number> = {
      'active sessions': await one(this.db.sessions, `SELECT count(*) AS n FROM sessions WHERE status IN ('active', 'scheduled')`),
      'starts not yet settled (starting)': await one(this.db.sessions, `SELECT count(*) AS n FROM sessions WHERE status = 'starting'`),
      'unpublished outbox rows (sessions)': await one(this.db.sessions, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'),
      'unpublished outbox rows (billing)': await one(this.db.billing, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'),
      'unpublished outbox rows (notifications)': await one(this.db.notifications, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'),
      'payment events not yet applied': await one(this.db.billing, `SELECT count(*) AS n FROM payment_events WHERE status IN ('received', 'failed')`),
      'notifications not yet delivered': await one(this.db.notifications, `SELECT count(*) AS n FROM notifications WHERE status IN ('pending', 'sending', 'failed')`),
      'finished sessions without usage': await this.finishedWithoutUsage(),
      'published events not yet consumed': (await this.unconsumed()).length,
    };
    return Object.fromEntries(Object.entries(waiting).filter(([, n]) => n > 0));
  }

  private async finishedWithoutUsage(): Promise<number> {
    const finished = (await this.db.sessions.query(`SELECT id::text FROM sessions WHERE status IN ('ended', 'expired')`)).rows.map((r) => r.id as string);
    const recorded = new Set((await this.db.billing.query('SELECT session_id FROM session_usage WHERE recorded_at IS NOT NULL')).rows.map((r) => r.session_id as string));
    return finished.filter((id) => !recorded.has(id)).length;
  }

  /** Events published by one service that the consumer group acting on them has not processed. */
  private async unconsumed(): Promise<string[]> {
    const missing: string[] = [];
    for (const c of CONSUMERS) {
      const published = (await this.db[c.producedIn].query('SELECT event_id::text, topic FROM outbox WHERE published_at IS NOT NULL AND topic = ANY($1)', [c.topics])).rows;
      const processed = new Set((await this.db[c.db].query('SELECT event_id::text FROM processed_events WHERE consumer_group = $1', [c.group])).rows.map((r) => r.event_id as string));
      for (const e of published) if (!processed.has(e.event_id)) missing.push(`${e.topic} ${e.event_id} not processed by ${c.group}`);
    }
    return missing;
  }

  private async outboxEvents<T extends TopicName>(db: 'sessions' | 'billing', topic: T) {
    const { rows } = await this.db[db].query('SELECT payload FROM outbox WHERE topic = $1', [topic]);
    return rows.map((r) => decodeEvent(topic, r.payload as Buffer));
  }

  /** Message-IDs of every email the mail sink received, with how many copies. */
  private mails(): Map<string, number> {
    const ids = new Map<string, number>();
    for (const f of readdirSync(this.env.mailDir)) {
      if (!f.endsWith('.eml')) continue;
      const head = readFileSync(path.join(this.env.mailDir, f), 'utf8').split(/\r?\n\r?\n/)[0]!;
      const id = /^Message-ID:\s*<([^@>]+)@hourglass>/im.exec(head)?.[1];
      if (id) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    return ids;
  }

  async check(history: History): Promise<CheckResult> {
    const problems: string[] = [];
    const rows: Row[] = [];
    const row = (check: string, left: number, right: number) => {
      rows.push({ check, left, right });
    };
    const { billing, sessions, notifications } = this.db;

    // Credits, per user and in total.
    const perUser = (
      await billing.query(`
        SELECT a.user_id,
          coalesce(g.granted, 0)::int AS granted, coalesce(g.remaining, 0)::int AS remaining,
          coalesce(l.consumed, 0)::int AS consumed, coalesce(l.given_back, 0)::int AS given_back,
          coalesce(l.refunded, 0)::int AS refunded, coalesce(l.revoked, 0)::int AS revoked, coalesce(l.ledger_granted, 0)::int AS ledger_granted
        FROM accounts a
        LEFT JOIN (SELECT user_id, sum(quantity) AS granted, sum(remaining) AS remaining FROM credit_grants GROUP BY user_id) g USING (user_id)
        LEFT JOIN (SELECT user_id,
            -sum(delta) FILTER (WHERE reason = 'consume') AS consumed,
            sum(delta) FILTER (WHERE reason = 'refund' AND delta > 0) AS given_back,
            -sum(delta) FILTER (WHERE reason = 'refund' AND delta < 0) AS refunded,
            -sum(delta) FILTER (WHERE reason IN ('revoke', 'expire')) AS revoked,
            sum(delta) FILTER (WHERE reason = 'grant') AS ledger_granted
          FROM credit_ledger GROUP BY user_id) l USING (user_id)`)
    ).rows as { user_id: string; granted: number; remaining: number; consumed: number; given_back: number; refunded: number; revoked: number; ledger_granted: number }[];
    const total = (k: keyof (typeof perUser)[number]) => perUser.reduce((n, u) => n + Number(u[k]), 0);
    const accounted = (u: (typeof perUser)[number]) => u.consumed - u.given_back + u.remaining + u.refunded + u.revoked;
    for (const u of perUser) {
      if (u.granted !== accounted(u)) problems.push(`credits of ${u.user_id}: granted ${u.granted} ≠ consumed ${u.consumed} − given back ${u.given_back} + remaining ${u.remaining} + refunded ${u.refunded} + revoked ${u.revoked}`);
      if (u.granted !== u.ledger_granted) problems.push(`credits of ${u.user_id}: grants say ${u.granted}, the ledger's grant rows ${u.ledger_granted}`);
    }
    const figures: Record<string, number> = {
      users: perUser.length,
      credits_granted: total('granted'),
      credits_consumed: total('consumed'),
      credits_given_back: total('given_back'),
      credits_remaining: total('remaining'),
      credits_refunded: total('refunded'),
      credits_revoked: total('revoked'),
    };
    row('credits granted = consumed − given back + remaining + refunded + revoked', figures.credits_granted!, perUser.reduce((n, u) => n + accounted(u), 0));
    row('users whose credits do not add up', perUser.filter((u) => u.granted !== accounted(u) || u.granted !== u.ledger_granted).length, 0);
    const badGrants = (
      await billing.query(`SELECT g.id FROM credit_grants g LEFT JOIN (SELECT grant_id, sum(delta)::int AS s FROM credit_ledger GROUP BY grant_id) l ON l.grant_id = g.id WHERE coalesce(l.s, 0) <> g.remaining`)
    ).rows;
    for (const g of badGrants) problems.push(`grant ${g.id}: remaining differs from the sum of its ledger rows`);
    row('grants whose remaining ≠ sum of their ledger rows', badGrants.length, 0);

    // Sessions ↔ credits consumed.
    // A start given up (abandoned) is no session: its credit, if one was taken, was given back.
    const abandoned = (await sessions.query(`SELECT id::text FROM sessions WHERE status = 'abandoned'`)).rows.map((r) => r.id as string);
    figures.starts_abandoned = abandoned.length;
    const sessionRows = (await sessions.query(`SELECT id::text, user_id, ledger_entry_id, status, duration_minutes, extract(epoch FROM expires_at - started_at) * 1000 AS length_ms FROM sessions WHERE status NOT IN ('abandoned', 'starting')`)).rows as {
      id: string;
      user_id: string;
      ledger_entry_id: string;
      status: string;
      duration_minutes: number;
      length_ms: string;
    }[];
    const consumes = (await billing.query(`SELECT id::text, session_id FROM credit_ledger WHERE reason = 'consume'`)).rows as { id: string; session_id: string }[];
    const givenBack = new Set((await billing.query(`SELECT session_id FROM credit_ledger WHERE reason = 'refund' AND delta > 0 AND session_id IS NOT NULL`)).rows.map((r) => r.session_id as string));
    const paidFor = new Map(consumes.filter((c) => !givenBack.has(c.session_id)).map((c) => [c.session_id, c.id]));
    const recorded = new Map(sessionRows.map((s) => [s.id, s]));
    figures.sessions_started = sessionRows.length;
    figures.credits_consumed_net = paidFor.size;
    row('sessions recorded = credits consumed and not given back', sessionRows.length, paidFor.size);
    for (const s of sessionRows) {
      const entry = paidFor.get(s.id);
      if (!entry) problems.push(`session ${s.id} has no consumed credit`);
      else if (entry !== s.ledger_entry_id) problems.push(`session ${s.id} names ledger entry ${s.ledger_entry_id}, its credit was ${entry}`);
    }
    for (const id of paidFor.keys()) if (!recorded.has(id)) problems.push(`credit consumed for session ${id}, which was never recorded`);
    const abandonedButPaid = abandoned.filter((id) => paidFor.has(id));
    for (const id of abandonedButPaid) problems.push(`start ${id} was abandoned, its credit was not given back`);
    row('abandoned starts whose credit was given back (or never taken)', abandoned.length - abandonedButPaid.length, abandoned.length);
    const consumesPerSession = count(consumes, (c) => c.session_id);
    const doubled = [...consumesPerSession].filter(([, n]) => n > 1);
    for (const [id, n] of doubled) problems.push(`session ${id} consumed ${n} credits`);
    row('sessions that consumed more than one credit', doubled.length, 0);
    const unseen = [...history.observed.keys()].filter((id) => !recorded.has(id));
    for (const id of unseen) problems.push(`a client was answered 201 with session ${id}, which is not recorded`);
    row('201 answers whose session is recorded', history.observed.size - unseen.length, history.observed.size);
    const finished = sessionRows.filter((s) => s.status === 'ended' || s.status === 'expired');
    const usage = new Set((await billing.query('SELECT session_id FROM session_usage WHERE recorded_at IS NOT NULL AND counted')).rows.map((r) => r.session_id as string));
    row('finished sessions with their usage recorded', finished.filter((s) => usage.has(s.id)).length, finished.length);

    // Paid webhooks → exactly one effect.
    const grants = (await billing.query(`SELECT source_ref, quantity FROM credit_grants WHERE source = 'payment'`)).rows as { source_ref: string; quantity: number }[];
    const grantsByRef = count(grants, (g) => g.source_ref);
    const creditPaid = history.creditPayments;
    let creditOk = 0;
    for (const p of creditPaid) {
      const ref = `stripe:${p.paymentIntent}`;
      const n = grantsByRef.get(ref) ?? 0;
      const g = grants.find((x) => x.source_ref === ref);
      if (n === 1 && g!.quantity === p.quantity) creditOk++;
      else problems.push(`credit payment ${p.paymentIntent}: ${n} grants${g ? ` of ${g.quantity}` : ''} for ${p.quantity} credits paid`);
    }
    row('credit payments (acknowledged webhooks) with exactly one grant of what was paid', creditOk, creditPaid.length);
    const extended = await this.outboxEvents('sessions', 'sessions.session.extended.v1');
    const rejected = await this.outboxEvents('sessions', 'sessions.extension.rejected.v1');
    const handedOn = await this.outboxEvents('billing', 'billing.extension.paid.v1');
    const refundRequests = (await billing.query(`SELECT provider || ':' || business_key AS payment_id FROM refund_requests`)).rows as { payment_id: string }[];
    const refundedBy = count(refundRequests, (r) => r.payment_id);
    const extendedBy = count(extended, (e) => e.paymentId);
    const rejectedBy = count(rejected, (e) => e.paymentId);
    const handedOnBy = count(handedOn, (e) => e.paymentId);
    let extensionOk = 0;
    let asRefund = 0;
    const minutesBySession = new Map<string, number>();
    for (const p of history.extensionPayments) {
      const id = `stripe:${p.paymentIntent}`;
      const [x, r, h, c, g] = [extendedBy.get(id) ?? 0, rejectedBy.get(id) ?? 0, handedOnBy.get(id) ?? 0, refundedBy.get(id) ?? 0, grantsByRef.get(`extension-credit:${id}`) ?? 0];
      if (h === 1 && x + r === 1 && c === r && g === 0) {
        extensionOk++;
        if (r) asRefund++;
        else minutesBySession.set(p.sessionId, (minutesBySession.get(p.sessionId) ?? 0) + p.minutes);
      } else problems.push(`extension payment ${p.paymentIntent} (session ${p.sessionId}): handed to sessions ${h}×, extended ${x}×, rejected ${r}×, refunded ${c}×, turned into ${g} credits`);
    }
    figures.extensions_applied = extensionOk - asRefund;
    figures.extensions_refunded = asRefund;
    row('extension payments with exactly one effect (extended, or refunded when the session had ended)', extensionOk, history.extensionPayments.length);
    let lengthOk = 0;
    for (const [sessionId, minutes] of minutesBySession) {
      const s = recorded.get(sessionId);
      if (s && Math.round(Number(s.length_ms)) === SESSION_MS + minutes * 60_000) lengthOk++;
      else problems.push(`session ${sessionId}: paid ${minutes} extra minutes, lasts ${s ? Number(s.length_ms) / 1000 : '?'} s (plan ${SESSION_MS / 1000} s)`);
    }
    row('extended sessions whose deadline moved by exactly what was paid', lengthOk, minutesBySession.size);

    // Notifications: one row per request, each delivered or dead-lettered; delivered ones reached the mail sink.
    const notes = (await notifications.query(`SELECT dedupe_key, template_id, status, message_id FROM notifications`)).rows as { dedupe_key: string; template_id: string; status: string; message_id: string | null }[];
    const byKey = new Map(notes.map((n) => [n.dedupe_key, n]));
    const expected = [
      ...history.notificationRequests.map((r) => r.dedupeKey),
      ...sessionRows.map((s) => `session_started:${s.id}`),
      ...finished.map((s) => `session_ended:${s.id}`),
      ...extended.map((e) => `session_extended:${e.sessionId}:${e.paymentId}`),
    ];
    let outcomeOk = 0;
    for (const key of expected) {
      const n = byKey.get(key);
      if (n && (n.status === 'delivered' || n.status === 'dead')) outcomeOk++;
      else problems.push(`notification ${key}: ${n ? n.status : 'never recorded'}`);
    }
    row('requested notifications (clients’ + started/ended/extended) delivered or dead-lettered', outcomeOk, expected.length);
    const unfinished = notes.filter((n) => ['pending', 'sending', 'failed'].includes(n.status));
    row('notifications still pending or sending', unfinished.length, 0);
    const mails = this.mails();
    const delivered = notes.filter((n) => n.status === 'delivered');
    const mailed = delivered.filter((n) => (mails.get(n.message_id ?? '') ?? 0) >= 1);
    for (const n of delivered) if (!mails.get(n.message_id ?? '')) problems.push(`notification ${n.dedupe_key} recorded delivered, no email with its Message-ID`);
    row('delivered notifications that reached the mail sink', mailed.length, delivered.length);
    const statuses = count(notes, (n) => n.status);
    figures.notifications = notes.length;
    for (const s of ['delivered', 'dead', 'cancelled', 'skipped']) figures[`notifications_${s}`] = statuses.get(s) ?? 0;
    figures.emails = [...mails.values()].reduce((a, b) => a + b, 0);
    // A crash between sending and recording sends the same email again with the same Message-ID (ARCHITECTURE.md):
    // at-least-once with an idempotency key for the receiver, shown but not a difference.
    figures.emails_resent_same_message_id = [...mails.values()].reduce((a, b) => a + Math.max(0, b - 1), 0);

    // Outbox and Kafka.
    for (const db of ['sessions', 'billing', 'notifications'] as const) {
      const { rows: o } = await this.db[db].query('SELECT count(*)::int AS n, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished FROM outbox');
      figures[`outbox_${db}`] = o[0].n;
      row(`${db} outbox rows published`, o[0].n - o[0].unpublished, o[0].n);
    }
    const unconsumed = await this.unconsumed();
    problems.push(...unconsumed);
    row('published events not processed by the group that acts on them', unconsumed.length, 0);
    const dlq = await this.kafka.deadLettered();
    for (const [topic, n] of Object.entries(dlq)) if (n > 0) problems.push(`${n} messages in ${topic}`);
    row('messages in Kafka dead-letter topics', Object.values(dlq).reduce((a, b) => a + b, 0), 0);
    return { rows, problems, figures };
  }
}

/** How far each invariant's two sides are apart, by check. */
export type Gaps = Map<string, number>;
export const gapsOf = (rows: Row[]): Gaps => new Map(rows.map((r) => [r.check, r.left - r.right]));

/**
 * The invariant table a drill prints: both sides over the whole stack, the gap between them, and the part of it this
 * drill made (its gap minus the gap before it), so one fault reads as one drill's difference, not as every later one's.
 */
export function renderTable(rows: Row[], before: Gaps): string {
  const width = Math.max(...rows.map((r) => r.check.length));
  const num = (n: number, w = 8) => String(n).padStart(w);
  return [
    `  ${'invariant'.padEnd(width)}  ${'recorded'.padStart(8)}  ${'expected'.padStart(8)}  ${'gap'.padStart(5)}  ${'this drill'.padStart(10)}`,
    ...rows.map((r) => {
      const gap = r.left - r.right;
      const own = gap - (before.get(r.check) ?? 0);
      return `  ${r.check.padEnd(width)}  ${num(r.left)}  ${num(r.right)}  ${num(gap, 5)}  ${num(own, 10)}  ${own !== 0 ? 'DIFFERENT' : gap !== 0 ? 'ok (earlier gap)' : 'ok'}`;
    }),
  ].join('\n');
}
