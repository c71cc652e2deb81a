/**
 * Records workflow histories for the replay test: runs the main session and pack scenarios on the time-skipping test
 * server and writes each history to test/histories/<name>.binpb (binary protobuf `temporal.api.history.v1.History`;
 * the SDK's JSON helpers trip over two protobufjs copies in this dependency tree). Re-record only on purpose (a
 * deliberate, versioned change); the replay test exists to catch accidental non-determinism in changed workflow code.
 * Histories of the legacy gate and session workflows (gate-*, session-*) were recorded before the start gate moved into
 * PostgreSQL and are kept as they are: that code is frozen.
 *
 *   HOURGLASS_TEMPORAL_TEST_SERVER=<path> npx tsx workflows/scripts/record-histories.ts     (ONLY=name,name to pick)
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { completePackSessionUpdate, endSessionUpdate, extendSessionUpdate, schedulePackSessionUpdate, workflowIds, type SessionStart } from '../src';
import { startHarness } from '../test/helpers';

async function main() {
  const h = await startHarness();
  const client = h.env.client;
  const startSession = async (minutes: number, cooldownMinutes: number) => {
    const now = await h.env.currentTimeMs();
    const start: SessionStart = {
      sessionId: randomUUID(),
      userId: 'replay-user',
      mode: 'chat',
      sessionType: 'paid',
      durationMinutes: minutes,
      startedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + minutes * 60_000).toISOString(),
      creditKind: 'paid',
      ledgerEntryId: 'l-replay',
      cooldownMinutes,
      autoStarted: false,
    };
    return client.workflow.start('timedSessionWorkflow', { workflowId: workflowIds.session(start.sessionId), taskQueue: h.taskQueue, args: [start] });
  };
  const histories: Record<string, string> = {};
  try {
    // Timed session: extended twice (one replayed payment), ending soon before each deadline, expires by itself, cooldown, next start.
    const extended = await startSession(45, 10);
    await extended.executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'p1', minutes: 15 }], updateId: 'extend:p1' });
    await extended.executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'p1', minutes: 15 }], updateId: 'extend:p1-again' });
    await extended.result();
    histories['timed-session-extended-expired'] = extended.workflowId;

    // Timed session: ended early by its owner, no cooldown.
    const early = await startSession(5, 0);
    await h.env.sleep('2 minutes');
    await early.executeUpdate(endSessionUpdate, { args: [{ requestedBy: 'replay-user' }] });
    await early.result();
    histories['timed-session-ended-early'] = early.workflowId;

    // Pack: a scheduled session, four completions (one repeated), reminders, grace, release after the last session.
    const packId = 'replay-pack-1';
    const pack = await client.workflow.start('sessionPackWorkflow', { workflowId: workflowIds.pack(packId), taskQueue: h.taskQueue, args: [{ packId, studentId: 'replay-student', mentorId: 'replay-mentor', totalSessions: 4, graceHours: 72, finalWarningHours: 12 }] });
    await pack.executeUpdate(schedulePackSessionUpdate, { args: [{ sessionId: 'late' }] });
    for (const s of ['p1', 'p2', 'p2', 'p3', 'p4']) await pack.executeUpdate(completePackSessionUpdate, { args: [{ sessionId: s }] });
    await h.env.sleep('73 hours');
    await pack.executeUpdate(completePackSessionUpdate, { args: [{ sessionId: 'late' }] });
    await pack.result();
    histories['pack-grace-release'] = workflowIds.pack(packId);
    histories['pack-status-search-attribute'] = workflowIds.pack(packId); // after `pack-status-search-attribute`

    const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
    for (const [name, workflowId] of Object.entries(histories)) {
      if (only && !only.has(name)) continue;
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const file = path.join(__dirname, '../test/histories', `${name}.binpb`);
      writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
      console.log(`recorded ${file} (${history.events?.length} events)`);
    }
  } finally {
    await h.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
