import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reapStale, startProcess } from '../src/process';

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('managed processes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hg-process-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('logs stdout and stderr to the log file and records the exit', async () => {
    const logFile = path.join(dir, 'logs', 'echo.log');
    const p = startProcess({ name: 'echo', command: 'sh', args: ['-c', 'echo out; echo err >&2; exit 4'], logFile });
    expect(await p.exited).toEqual({ code: 4, signal: null });
    await new Promise((r) => setTimeout(r, 20));
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/out\nerr\n/);
    expect(log).toContain('echo exited with code 4');
  });

  it('SIGKILLs a process that ignores the stop signal, and everything it started', async () => {
    const childPidFile = path.join(dir, 'child.pid');
    const p = startProcess({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', `trap '' TERM; sleep 30 & echo $! > ${childPidFile}; wait`],
      logFile: path.join(dir, 'stubborn.log'),
      stopTimeoutMs: 300,
    });
    await until(() => existsSync(childPidFile) && readFileSync(childPidFile, 'utf8').trim() !== '');
    const child = Number(readFileSync(childPidFile, 'utf8'));
    expect(alive(child)).toBe(true);
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(p.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    await until(() => !alive(child));
  });

  it('reaps a group a crashed run left behind, and only if the pid still runs the recorded command', async () => {
    // An orphan in its own session, as a SIGKILLed CLI leaves its children. (A node process with a SIGTERM
    // handler: a plain `sleep` would inherit an ignored SIGTERM from some test runners and need the SIGKILL.)
    // It says when its handler is in place: a SIGTERM before that may meet an inherited "ignore" (seen under load).
    const ready = path.join(dir, 'orphan.ready');
    const script = `process.on('SIGTERM', () => process.exit(0)); require('fs').writeFileSync('${ready}', '1'); setInterval(() => {}, 1000)`;
    const pid = Number(
      execFileSync('sh', ['-c', `setsid "${process.execPath}" -e "${script}" > /dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim(),
    );
    await until(() => alive(pid) && existsSync(ready));
    const pidFile = path.join(dir, 'x.pid');
    writeFileSync(pidFile, `${pid}\nsomething-else\n`);
    expect(await reapStale(pidFile)).toBe(false);
    expect(alive(pid)).toBe(true);
    writeFileSync(pidFile, `${pid}\n${path.basename(process.execPath)}\n`);
    const started = Date.now();
    expect(await reapStale(pidFile)).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000); // went on SIGTERM, no need for the SIGKILL
    expect(existsSync(pidFile)).toBe(false);
  });
});
