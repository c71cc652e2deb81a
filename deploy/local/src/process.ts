import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Long-running child processes of the stack. Each runs in its own process group (detached), writes stdout and
 * stderr to a log file, and is stopped with a signal to its leader, then SIGKILL to the whole group after a timeout,
 * so nothing it started outlives it. A pid file lets the next run reap a group left behind by a crashed CLI.
 */

export interface SpawnOptions {
  /** Short name for messages, e.g. "kafka". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Run as another user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Signal that asks the process to shut down cleanly (default SIGTERM; Postgres uses SIGINT, "fast shutdown"). */
  stopSignal?: NodeJS.Signals;
  /** How long to wait after stopSignal before SIGKILL to the group (default 10 s). */
  stopTimeoutMs?: number;
  /** Where to record the pid, so a later run can reap a leftover group (see reapStale). */
  pidFile?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
  /** Graceful stop (stopSignal, then SIGKILL to the group after stopTimeoutMs). Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL: a crash, for fault drills) to the whole group at once; resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Map<number, string>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

/** SIGKILLs every process group still running. Synchronous: safe in a process 'exit' handler. */
export function killAllNow(): void {
  for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
  live.clear();
}

/** Names of the processes still running (for diagnostics). */
export function liveProcesses(): string[] {
  return [...live.values()];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describeExit(e: Exit): string {
  return e.signal ? `signal ${e.signal}` : `code ${e.code}`;
}


export function startProcess(opts: SpawnOptions): ManagedProcess {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeSync(fd, `\n=== ${new Date().toISOString()} ${opts.command} ${opts.args.join(' ')}\n`);
  let child;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
      uid: opts.uid,
      gid: opts.gid,
    });
  } finally {
    closeSync(fd);
  }

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      // spawn failed (ENOENT, EACCES): report it in the log like any other exit.
      try {
        writeFileSync(opts.logFile, `failed to start ${opts.command}: ${err.message}\n`, { flag: 'a' });
      } catch {
        /* ignore */
      }
      exit = exit ?? { code: 127, signal: null };
      resolve(exit);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const pid = child.pid ?? -1;
  if (pid > 0) {
    live.set(pid, opts.name);
    if (opts.pidFile) {
      mkdirSync(path.dirname(opts.pidFile), { recursive: true });
      writeFileSync(opts.pidFile, `${pid}\n${path.basename(opts.command)}\n`);
    }
  }
  void exited.then((e) => {
    try {
      writeFileSync(opts.logFile, `=== ${new Date().toISOString()} ${opts.name} exited with ${describeExit(e)}\n`, { flag: 'a' });
    } catch {
      /* log dir removed */
    }
    live.delete(pid);
    // Members of the group that outlived the leader (none expected) must not become orphans.
    if (pid > 0) killGroup(pid, 'SIGKILL');
    if (opts.pidFile) rmSync(opts.pidFile, { force: true });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exit || pid <= 0) return;
      try {
        process.kill(pid, opts.stopSignal ?? 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timeout = opts.stopTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeout))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        writeFileSync(opts.logFile, `=== did not stop within ${timeout} ms: SIGKILL\n`, { flag: 'a' });
        killGroup(pid, 'SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!exit && pid > 0) {
      writeFileSync(opts.logFile, `=== ${new Date().toISOString()} ${signal} sent to the group\n`, { flag: 'a' });
      killGroup(pid, signal);
    }
    await exited;
  };

  return { name: opts.name, pid, logFile: opts.logFile, exited, exit: () => exit, stop, kill };
}

/**
 * Kills the process group recorded in `pidFile` if it is still running the recorded command (a CLI that was
 * SIGKILLed leaves its detached children behind). Returns whether something was reaped.
 */
export async function reapStale(pidFile: string): Promise<boolean> {
  if (!existsSync(pidFile)) return false;
  const [pidText, command] = readFileSync(pidFile, 'utf8').split('\n');
  rmSync(pidFile, { force: true });
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 1 || !command) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false; // not running
  }
  if (!cmdline.includes(command)) return false; // pid reused by something else
  killGroup(pid, 'SIGTERM');
  for (let i = 0; i < 100 && running(pid); i++) await delay(100);
  killGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && running(pid); i++) await delay(100);
  return true;
}

/** Whether pid is a live process (a zombie waiting for a parent that never reaps it counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
