/**
 * Records workflow histories for the replay test: runs the main gate and session scenarios on the time-skipping test
 * server and writes each history to test/histories/<name>.binpb (binary protobuf `temporal.api.history.v1.History`;
 * the SDK's JSON helpers trip over two protobufjs copies in this dependency tree). Re-record only on purpose (a deliberate, versioned
 * change); the replay test exists to catch accidental non-determinism in changed workflow code.
 *
 *   HOURGLASS_TEMPORAL_TEST_SERVER=<path> npx tsx workflows/scripts/record-histories.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { completePackSessionUpdate, creditAvailableSignal, endSessionUpdate, extendSessionUpdate, schedulePackSessionUpdate, setAutoStartUpdate, startSessionUpdate, workflowIds } from '../src';
import { startHarness } from '../test/helpers';

async function main() {
  const h = await startHarness();
  const client = h.env.client;
  const start = (userId: string, requestId: string) =>
    client.workflow.executeUpdateWithStart(startSessionUpdate, {
      args: [{ requestId, userId, mode: 'chat' }],
      updateId: requestId,
      startWorkflowOperation: new WithStartWorkflowOperation('userGateWorkflow', { workflowId: workflowIds.gate(userId), taskQueue: h.taskQueue, args: [{ userId }], workflowIdConflictPolicy: 'USE_EXISTING' }),
    });
  const histories: Record<string, string> = {};
  try {
    // Gate: start, end, cooldown refusal, auto-start waiting for a credit, credit arrives after the cooldown.
    const user = 'replay-user-1';
    h.billing.setCredits(user, 1);
    const first = await start(user, 'r1');
    await client.workflow.getHandle(workflowIds.session(first.id)).executeUpdate(endSessionUpdate, { args: [{ requestedBy: user }] });
    await start(user, 'r2').catch(() => undefined);
    await client.workflow.getHandle(workflowIds.gate(user)).executeUpdate(setAutoStartUpdate, { args: [{ enabled: true }] });
    await h.env.sleep('11 minutes');
    h.billing.setCredits(user, 1);
    await client.workflow.getHandle(workflowIds.gate(user)).signal(creditAvailableSignal, { grantId: 'g' });
    await h.env.sleep('1 second');
    histories['gate-cooldown-autostart'] = workflowIds.gate(user);
    histories['session-ended-early'] = workflowIds.session(first.id);

    // Session: extended twice (one replayed payment), then expires by itself.
    const user2 = 'replay-user-2';
    h.billing.setCredits(user2, 1);
    h.billing.durationMinutes.set(user2, 45);
    const s = await start(user2, 'r3');
    const handle = client.workflow.getHandle(workflowIds.session(s.id));
    await handle.executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'p1', minutes: 15 }] });
    await handle.executeUpdate(extendSessionUpdate, { args: [{ paymentId: 'p1', minutes: 15 }] });
    await handle.result();
    histories['session-extended-expired'] = workflowIds.session(s.id);
    // Recorded after `session-ending-soon` (patched): the same scenario with a warning before each deadline. The file
    // above stays as it was recorded before the patch, proving that sessions already running replay unchanged.
    histories['session-ending-soon-extended'] = workflowIds.session(s.id);
    histories['session-status-search-attribute'] = workflowIds.session(s.id); // after `session-status-search-attribute`

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
