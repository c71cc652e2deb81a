import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ComponentError } from './errors';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  /** What the command does, for the error message (default: the command line's start). */
  what?: string;
}

/**
 * Runs a command to completion (installers, one-off tools), logging its output to a file. Rejects with a
 * ComponentError naming `component` when it cannot start, fails or times out.
 */
export function execLogged(component: string, command: string, args: string[], opts: ExecOptions): Promise<void> {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeSync(fd, `\n=== ${new Date().toISOString()} $ ${command} ${args.join(' ')}\n`);
  return new Promise<void>((resolve, reject) => {
    let child;
    try {
      child = spawn(command, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', fd, fd],
        uid: opts.uid,
        gid: opts.gid,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
      });
    } finally {
      closeSync(fd);
    }
    child.once('error', (err) => {
      const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is ${command} installed and on PATH?)` : '';
      reject(new ComponentError(component, `cannot run ${command}: ${err.message}${hint}`, opts.logFile));
    });
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        const what = opts.what ?? `\`${path.basename(command)} ${args.slice(0, 3).join(' ')}…\``;
        reject(new ComponentError(component, `${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`, opts.logFile));
      }
    });
  });
}

/** Runs a command and resolves with whether it exited 0 (for probes); never rejects. */
export function succeeds(command: string, args: string[], timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
