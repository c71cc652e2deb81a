import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(latenciesMs: number[]) {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: s.length,
    min_ms: round(s[0] ?? NaN),
    p50_ms: round(percentile(s, 50)),
    p95_ms: round(percentile(s, 95)),
    p99_ms: round(percentile(s, 99)),
    max_ms: round(s[s.length - 1] ?? NaN),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

/** Writes bench/results/<date>-<name>.json with the machine it ran on, and returns the path. */
export function writeResult(name: string, result: object): string {
  const dir = path.resolve(__dirname, '../results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}-${name}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version }, ...result }, null, 2) + '\n');
  return file;
}

export function printTable(rows: Array<Record<string, string | number>>): void {
  const cols = Object.keys(rows[0] ?? {});
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => cells.map((v, i) => v.padStart(width(cols[i]!))).join('  ');
  console.log(line(cols));
  console.log(cols.map((c) => '-'.repeat(width(c))).join('  '));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}
