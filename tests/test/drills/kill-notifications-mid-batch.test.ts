import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { eventually, stack, throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { startProcess, type ServiceProcess } from './processes';

// The notifications service SIGKILLed in the middle of a batch of emails and restarted → every message is
// delivered, and a message is never sent twice except the ones in flight at the kill, which carry the same
// Message-ID (so the receiving side can drop the copy). The process is real; so are Postgres and the SMTP server.
jest.setTimeout(180_000);

const N = 300;
let db: ThrowawayDatabase;
let smtp: SMTPServer;
let smtpPort: number;
const received: Array<{ to: string; messageId: string }> = [];
const running: ServiceProcess[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '?';
        for (const r of session.envelope.rcptTo) received.push({ to: r.address, messageId });
        // A slow mail server: the batch is still going when the process is killed.
        setTimeout(done, 15);
      });
    },
  });
  smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  db = await throwawayDatabase('drill_notifications');
});
afterAll(async () => {
  for (const p of running) await p.kill();
  await new Promise<void>((r) => smtp.close(() => r()));
  await db?.drop();
});

const start = async () => {
  const p = await startProcess('notifications', 'services/notifications/src/main.ts', {
    SERVICE_NAME: 'notifications',
    NODE_ENV: 'test',
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    KAFKA_INTAKE: 'off', // delivery only: the drill's messages are the 300 below, not the shared stack's events
    TEMPORAL_ADDRESS: stack.temporalAddress,
    JWT_SECRET: stack.jwtSecret,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    DISPATCH_INTERVAL_MS: '50',
    STALE_CLAIM_MS: '5000', // (60 s in production) how long a dead dispatcher's claims wait before they are retried
  }, 'notifications listening');
  running.push(p);
  return p;
};

test(`SIGKILL mid-batch of ${N} emails, restart → all ${N} delivered; only in-flight ones repeated, with the same Message-ID`, async () => {
  const first = await start(); // runs the migrations
  // Stored first (as the Kafka intake does), then delivered: N requests to N people who want email.
  await db.pool.query(
    `INSERT INTO preferences (user_id, email, channels) SELECT 'drill-' || g, 'drill-' || g || '@example.test', '{"packs":["email"]}' FROM generate_series(1, $1) g`,
    [N],
  );
  await db.pool.query(
    `INSERT INTO notifications (id, user_id, template_id, data, dedupe_key, status) SELECT gen_random_uuid(), 'drill-' || g, 'pack_one_session_left', '{}', 'drill:' || g, 'pending' FROM generate_series(1, $1) g`,
    [N],
  );
  await eventually(() => received.length >= N / 5, { what: 'the batch to be under way', timeoutMs: 60_000, intervalMs: 20 });
  await first.kill('SIGKILL');
  const atKill = received.length;
  expect(atKill).toBeLessThan(N); // killed mid-batch, not after

  await start();
  const delivered = await eventually(async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE status = 'delivered'`);
    return rows[0].n === N ? rows[0].n : undefined;
  }, { what: 'every notification delivered after the restart', timeoutMs: 120_000 });
  expect(delivered).toBe(N);

  const byRecipient = new Map<string, Set<string>>();
  const copies = new Map<string, number>();
  for (const r of received) {
    byRecipient.set(r.to, (byRecipient.get(r.to) ?? new Set()).add(r.messageId));
    copies.set(r.to, (copies.get(r.to) ?? 0) + 1);
  }
  expect(byRecipient.size).toBe(N); // everyone got theirs
  expect([...byRecipient.values()].every((ids) => ids.size === 1)).toBe(true); // a repeat is the same message
  const repeated = [...copies.values()].filter((n) => n > 1).length;
  console.log(`drill: ${N} emails, SIGKILL after ${atKill} received, ${received.length} received in all, ${repeated} repeated (in flight at the kill, same Message-ID)`);
  expect(repeated).toBeLessThanOrEqual(25); // at most what one dispatch batch had claimed
});
