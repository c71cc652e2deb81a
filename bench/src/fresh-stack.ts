import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSettings, startStack, type Stack } from '@hourglass/local-stack';

export interface BenchStack {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The stack a benchmark measures: the one named by HOURGLASS_SESSIONS_URL etc. when set (e.g. a running
 * `npm start`), otherwise a fresh one on free ports in a temp dir, exactly as `npm test` starts it.
 */
export async function benchStack(): Promise<BenchStack> {
  if (process.env.HOURGLASS_SESSIONS_URL) {
    return { env: process.env as Record<string, string>, stop: async () => undefined };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-bench-'));
  chmodSync(dataDir, 0o755); // Postgres runs as its own user and must reach its data dir
  const settings = await resolveSettings({ mode: 'test', repoRoot: path.resolve(__dirname, '../..'), dataDir });
  process.stderr.write(`starting a fresh stack in ${dataDir}…\n`);
  const stack: Stack = await startStack(settings);
  return {
    env: stack.testEnv as Record<string, string>,
    stop: async () => {
      await stack.stop();
      // Profiles (HOURGLASS_PROFILE) and logs are kept when asked for.
      if (process.env.HOURGLASS_PROFILE || process.env.HOURGLASS_KEEP_LOGS) process.stderr.write(`stack logs kept in ${settings.logDir}\n`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
