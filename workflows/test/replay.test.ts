import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './helpers';

// Every recorded history must replay against the current workflow code: a change that would break running
// workflows (non-determinism) fails here before it ships. Histories are recorded by scripts/record-histories.ts.
const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.binpb'));

test('there are recorded histories for the session and pack workflows, and for the legacy gate and session', () => {
  expect(files.some((f) => f.startsWith('timed-session-'))).toBe(true);
  expect(files.some((f) => f.startsWith('pack-'))).toBe(true);
  // Executions started before the start gate moved into PostgreSQL still run that (frozen) code.
  expect(files.some((f) => f.startsWith('gate-'))).toBe(true);
  expect(files.some((f) => f.startsWith('session-'))).toBe(true);
});

test.each(files)('replays %s', async (file) => {
  const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
}, 60_000);
