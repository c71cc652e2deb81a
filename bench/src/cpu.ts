import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time spent by this process and every process under it (the fresh stack's Postgres with its backends, Kafka,
 * Temporal, stripe-mock, the services and workers), by component, from /proc. Other people's processes on a
 * shared machine are not counted, so "CPU ms per start" holds where throughput figures do not.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

const COMPONENTS: Array<[string, RegExp]> = [
  ['sessions-worker', /services\/sessions\/src\/worker/],
  ['sessions-api', /services\/sessions\/src\/main/],
  ['billing-worker', /services\/billing\/src\/worker/],
  ['billing-api', /services\/billing\/src\/main/],
  ['notifications', /services\/notifications\//],
  ['temporal', /temporal/],
  ['kafka', /kafka\.Kafka|java/],
  ['postgres', /postgres/],
  ['stripe-mock', /stripe-mock/],
];

interface Proc {
  ppid: number;
  ticks: number;
  cmd: string;
}

function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      all.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      // gone while reading
    }
  }
  return all;
}

export type CpuSnapshot = Map<number, { component: string; ticks: number }>;

/** Every descendant of this process (and itself), with its component and CPU ticks so far. */
export function cpuSnapshot(): CpuSnapshot {
  const all = processes();
  const mine: CpuSnapshot = new Map();
  const componentOf = (pid: number): string => {
    for (let p: number | undefined = pid; p && p > 1; p = all.get(p)?.ppid) {
      if (p === process.pid) return 'bench';
      const hit = COMPONENTS.find(([, re]) => re.test(all.get(p!)?.cmd ?? ''));
      if (hit) return hit[0];
    }
    return 'bench';
  };
  const isMine = (pid: number) => {
    for (let p: number | undefined = pid; p && p > 1; p = all.get(p)?.ppid) if (p === process.pid) return true;
    return false;
  };
  for (const [pid, p] of all) if (isMine(pid)) mine.set(pid, { component: componentOf(pid), ticks: p.ticks });
  return mine;
}

/** CPU milliseconds per component between two snapshots (processes that exited in between are lost). */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, now] of b) out[now.component] = (out[now.component] ?? 0) + (now.ticks - (a.get(pid)?.ticks ?? 0)) * TICK_MS;
  return out;
}

/** The pid of the fresh stack's process whose command line matches, e.g. the sessions worker. */
export function descendantPid(pattern: RegExp): number | undefined {
  const snap = cpuSnapshot();
  const all = processes();
  return [...snap.keys()].find((pid) => pattern.test(all.get(pid)?.cmd ?? ''));
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Busy CPU milliseconds of the whole machine so far (all cores, /proc/stat), to tell our load from everyone else's. */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}
