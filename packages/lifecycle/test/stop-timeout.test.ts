import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A real process under runProcess, stopped with SIGTERM: exit 0 when its stop finishes within stopTimeoutMs, exit 1
// when it outlasts it (Kubernetes would SIGKILL it at the end of the grace period anyway; this says why first).
const lifecycle = path.resolve(__dirname, '..', 'src', 'index.ts');

function runAndTerm(stopMs: number, stopTimeoutMs: number): Promise<{ code: number | null; ms: number; output: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-lifecycle-'));
  const script = path.join(dir, 'proc.ts');
  writeFileSync(
    script,
    `import { runProcess } from ${JSON.stringify(lifecycle)};
const logger = { info: (..._a: unknown[]) => console.log('info', JSON.stringify(_a)), error: (..._a: unknown[]) => console.log('error', JSON.stringify(_a)), fatal: (..._a: unknown[]) => console.log('fatal', JSON.stringify(_a)) };
runProcess('t', () => ({ logger: logger as never, stopTimeoutMs: ${stopTimeoutMs}, app: { start: async () => { console.log('started'); setInterval(() => undefined, 1000); }, stop: () => new Promise<void>((r) => setTimeout(r, ${stopMs})) } }));
`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let termAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!termAt && output.includes('started')) {
        termAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, ms: Date.now() - termAt, output }));
  });
}

test('a stop within the timeout exits 0', async () => {
  const r = await runAndTerm(100, 3000);
  expect([r.code, r.output]).toEqual([0, expect.stringContaining('stopped')]);
});

test('a stop that outlasts the timeout exits 1 when the timeout passes, not before', async () => {
  const r = await runAndTerm(10_000, 800);
  expect([r.code, r.output]).toEqual([1, expect.stringContaining('graceful stop took too long')]);
  expect(r.ms).toBeGreaterThanOrEqual(750);
  expect(r.ms).toBeLessThan(5000);
});
