/**
 * Session start latency: N sequential `POST /api/sessions` over HTTP (auth, gate update-with-start, billing credit
 * consumption, session row + outbox, SessionWorkflow start), each by a new user (first sight: account and signup
 * credits are created in the same request). Writes bench/results/<date>-start-latency.json and prints a table.
 *
 *   npm run bench:start -w bench            # fresh stack
 *   N=500 npm run bench:start -w bench      # more samples
 */
import { randomUUID } from 'node:crypto';
import { signToken } from '@hourglass/auth';
import { benchStack } from './fresh-stack';
import { printTable, summarize, writeResult } from './stats';

async function main() {
  const n = Number(process.env.N ?? 200);
  const warmup = Number(process.env.WARMUP ?? 10);
  const stack = await benchStack();
  try {
    const url = `${stack.env.HOURGLASS_SESSIONS_URL}/api/sessions`;
    const secret = stack.env.HOURGLASS_JWT_SECRET!;
    const once = async () => {
      const token = await signToken({ sub: `bench-${randomUUID()}`, role: 'user' }, secret);
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"mode":"bench"}' });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== 201) throw new Error(`start answered ${res.status}`);
      return ms;
    };
    for (let i = 0; i < warmup; i++) await once();
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      latencies.push(await once());
      if ((i + 1) % 50 === 0) process.stderr.write(`  ${i + 1}/${n} starts\n`);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const summary = { ...summarize(latencies), starts_per_second: Math.round((n / wallSeconds) * 10) / 10 };
    const file = writeResult('start-latency', { mode: 'sequential, one new user per start, over HTTP', warmup, summary, latencies_ms: latencies.map((x) => Math.round(x * 10) / 10) });
    printTable([{ benchmark: 'POST /api/sessions (sequential)', ...summary }]);
    console.log(`\nwrote ${file}`);
  } finally {
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
