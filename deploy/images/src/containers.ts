import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/**
 * One container of a service image, run the way Kubernetes runs it (deploy/k8s): uid 1000, a read-only root with a
 * tmpfs /tmp, every capability dropped, no privilege escalation; `--network host` so it reaches the local stack's
 * infrastructure on 127.0.0.1. The image's HEALTHCHECK needs systemd timers (none here): the runner probes instead.
 */
export function hardenedRunArgs(): string[] {
  return ['--network', 'host', '--user', '1000:1000', '--read-only', '--read-only-tmpfs', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--no-healthcheck'];
}

export function run(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('podman', args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export interface Container {
  name: string;
  /** SIGTERM, up to `graceSeconds` to exit, then the exit code (137 when podman had to kill it). */
  stop(graceSeconds?: number): Promise<number>;
  /** Its output so far, written to `file`. */
  saveLogs(file: string): Promise<void>;
  /** Whether it still runs. */
  running(): Promise<boolean>;
}

function envArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
}

/** Starts a container in the background; `entry` replaces the image's CMD (e.g. dist/worker.js). */
export async function startContainer(env: NodeJS.ProcessEnv, o: { name: string; image: string; vars: Record<string, string>; entry?: string }): Promise<Container> {
  await run(env, ['rm', '--force', o.name]);
  const started = await run(env, ['run', '--detach', '--name', o.name, ...hardenedRunArgs(), ...envArgs(o.vars), o.image, ...(o.entry ? [o.entry] : [])]);
  if (started.code !== 0) throw new Error(`podman run ${o.image} failed: ${started.stderr.trim()}`);
  return {
    name: o.name,
    async stop(graceSeconds = 20) {
      await run(env, ['stop', '--time', String(graceSeconds), o.name], (graceSeconds + 30) * 1000);
      const code = Number((await run(env, ['inspect', '--format', '{{.State.ExitCode}}', o.name])).stdout.trim());
      return Number.isFinite(code) ? code : -1;
    },
    async saveLogs(file) {
      const { stdout, stderr } = await run(env, ['logs', o.name]);
      writeFileSync(file, stdout + stderr);
    },
    async running() {
      return (await run(env, ['inspect', '--format', '{{.State.Running}}', o.name])).stdout.trim() === 'true';
    },
  };
}

/** Runs a container to completion (a one-off like dist/migrate.js) and returns its exit code and output. */
export async function runToCompletion(env: NodeJS.ProcessEnv, o: { name: string; image: string; vars: Record<string, string>; entry?: string }): Promise<{ code: number; output: string }> {
  await run(env, ['rm', '--force', o.name]);
  const r = await run(env, ['run', '--rm', '--name', o.name, ...hardenedRunArgs(), ...envArgs(o.vars), o.image, ...(o.entry ? [o.entry] : [])], 5 * 60_000);
  return { code: r.code, output: r.stdout + r.stderr };
}

export function removeContainer(env: NodeJS.ProcessEnv, name: string): Promise<unknown> {
  return run(env, ['rm', '--force', '--time', '0', name]);
}
