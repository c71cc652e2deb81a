import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execLogged } from '@hourglass/local-stack/src/exec';

/**
 * podman as this machine needs it, without touching /etc: a containers.conf of our own, passed by CONTAINERS_CONF.
 * - `runc`: the VM's cgroups are in hybrid mode (v1 controllers, v2 mounted at /sys/fs/cgroup/unified), where crun fails;
 * - `cgroupfs` and a file events log: PID 1 is not systemd here;
 * - explicit `default_ulimits`: the inherited hard limits are not ones runc may set inside the container.
 */
export const CONTAINERS_CONF = `# Written by deploy/images/src/podman.ts
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/** Writes the containers.conf into `dir` and returns the environment podman runs with. */
export function podmanEnv(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'containers.conf');
  writeFileSync(file, CONTAINERS_CONF);
  return { ...base, CONTAINERS_CONF: file };
}

/** Runs `podman <args>` to completion, output appended to `log`. */
export function podman(env: NodeJS.ProcessEnv, args: string[], log: string, what?: string, timeoutMs = 30 * 60_000): Promise<void> {
  return execLogged('podman', 'podman', args, { env, logFile: log, timeoutMs, what: what ?? `podman ${args.slice(0, 2).join(' ')}` });
}
