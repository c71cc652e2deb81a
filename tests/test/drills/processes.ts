import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts one Hourglass process (e.g. services/billing/src/worker.ts) with the given env, resolves once it logs that
 * it runs. For drills that kill and restart processes of their own, apart from the shared test stack.
 */
export function startProcess(name: string, entry: string, env: Record<string, string>, readyText: string, timeoutMs = 60000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], {
    cwd: path.join(repoRoot, path.dirname(path.dirname(entry))),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    // Kept beside the stack's logs (kept when a test fails): drills-<name>.log.
    const logFile = process.env.HOURGLASS_LOG_DIR ? path.join(process.env.HOURGLASS_LOG_DIR, `drill-${name}.log`) : null;
    const onData = (chunk: Buffer) => {
      if (logFile) appendFileSync(logFile, chunk);
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-20_000);
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve({
          name,
          child,
          kill: async (signal = 'SIGKILL') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}
