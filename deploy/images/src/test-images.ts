/**
 * `npm run test:images`: every image and target built here (build-images.ts), the local stack's infrastructure
 * started (HOURGLASS_SERVICES=none: Postgres, Kafka, Temporal, stripe-mock, a mail sink), then each image run as a
 * hardened container against it (containers.ts): the migration entry of each service to completion, every API and
 * worker until `/readyz` answers, one session started through the containerized API that must expire by itself
 * (session-check.ts), and every container stopped with SIGTERM, which must exit 0 within its grace. One check per
 * line, the wall time, and as the last line `N passed, N failed`.
 */
import { mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortedError } from '@hourglass/local-stack/src/errors';
import { fail, info, ok } from '@hourglass/local-stack/src/output';
import { findFreePorts } from '@hourglass/local-stack/src/ports';
import { reportFailure } from '@hourglass/local-stack/src/report';
import { serviceEnv, serviceInstances, urlEnvName, type ServiceWiring } from '@hourglass/local-stack/src/services';
import { resolveSettings } from '@hourglass/local-stack/src/settings';
import { handleSignals } from '@hourglass/local-stack/src/signals';
import { startStack, type Stack } from '@hourglass/local-stack/src/stack';
import { buildContext, buildImage, imageName, TARGETS, type BuiltImage } from './build-images';
import { ensureBaseImage } from './base-image';
import { removeContainer, runToCompletion, startContainer, type Container } from './containers';
import { imageConfigProblems } from './image-config';
import { sessionStartsAndExpires } from './session-check';
import { repoRoot } from './versions';

interface Tally {
  passed: number;
  failed: number;
}

async function check<T>(tally: Tally, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  try {
    const result = await fn();
    tally.passed++;
    ok(typeof result === 'string' ? `${what}: ${result}` : what, started);
    return result;
  } catch (e) {
    tally.failed++;
    fail(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

async function waitReady(url: string, container: Container, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      if (res.ok) return `ready (${url})`;
      last = `${res.status} ${body}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (!(await container.running())) throw new Error(`the container exited before it was ready (last: ${last})`);
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The SDK's Prometheus endpoint answers, with the series the alerts (deploy/k8s monitoring.ts) use under the names
 * they use: after a session, a workflow task was scheduled and the worker has slots. (The failure counters appear
 * only once something fails.)
 */
async function sdkMetrics(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const names = new Set([...text.matchAll(/^(temporal_[a-z_]+)/gm)].map((m) => m[1]!));
  const required = ['temporal_workflow_task_schedule_to_start_latency_seconds_bucket', 'temporal_worker_task_slots_available'];
  const missing = required.filter((r) => !names.has(r));
  if (missing.length) throw new Error(`missing ${missing.join(', ')} among ${[...names].join(', ') || 'no temporal_ series'}`);
  return `${names.size} temporal_* series, ${required.join(' and ')} among them`;
}

export async function testImages(): Promise<number> {
  const wall = Date.now();
  const controller = new AbortController();
  handleSignals(controller);
  const tally: Tally = { passed: 0, failed: 0 };
  const ctx = buildContext('test');

  // 1. Images: the base once, then every image and target, one at a time.
  await ensureBaseImage(ctx);
  const built: BuiltImage[] = [];
  for (const t of TARGETS) {
    if (controller.signal.aborted) break;
    const image = await check(tally, `build ${imageName(t, ctx.tag)}`, async () => {
      const b = await buildImage(ctx, t);
      built.push(b);
      return `${(b.bytes / 1e6).toFixed(0)} MB in ${b.seconds.toFixed(0)} s`;
    });
    if (image !== undefined) await check(tally, `${imageName(t, ctx.tag)} is configured for production`, async () => {
      const problems = await imageConfigProblems(ctx.env, imageName(t, ctx.tag), t);
      if (problems.length) throw new Error(problems.join('; '));
      return 'uid 1000, node dist/…, health check, nothing of the build left';
    });
  }
  const imageOf = (service: string, target: 'api' | 'worker') => built.find((b) => b.service === service && b.target === target)?.image;

  // 2. The infrastructure of the test stack, no services.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-images-'));
  chmodSync(dataDir, 0o755);
  const logDir = path.join(dataDir, 'containers');
  mkdirSync(logDir);
  const settings = await resolveSettings({ mode: 'test', repoRoot, dataDir, env: { ...process.env, HOURGLASS_SERVICES: 'none' } });
  let stack: Stack;
  try {
    stack = await startStack(settings, { signal: controller.signal, onFailure: reportFailure });
  } catch (e) {
    if (!(e instanceof AbortedError)) reportFailure(e);
    tally.failed++;
    process.stdout.write(`${tally.passed} passed, ${tally.failed} failed\n`);
    return 1;
  }

  // 3. The containers, wired as the launcher wires processes, on free ports of the host network.
  const instances = serviceInstances().filter((i) => i.replica === 0);
  const ports: Record<string, number> = {};
  const free = await findFreePorts(instances.length + 2);
  const sdkMetricsPorts: Record<string, number> = { 'sessions-worker': free[instances.length]!, 'billing-worker': free[instances.length + 1]! };
  instances.forEach((i, n) => (ports[i.name] = free[n]!));
  const urls = Object.fromEntries(instances.filter((i) => i.spec.api).map((i) => [urlEnvName(i.spec), `http://127.0.0.1:${ports[i.name]}`]));
  const wiring: ServiceWiring = {
    nodeEnv: 'production',
    logLevel: 'info',
    jwtSecret: settings.jwtSecret,
    databaseUrls: stack.databaseUrls,
    kafkaBrokers: stack.kafka.brokers,
    temporalAddress: stack.temporal.address,
    temporalNamespace: stack.temporal.namespace,
    stripeApiUrl: stack.stripeMock.url,
    apiUrls: urls,
    filesDir: '/tmp/files', // the root is read-only: session files on the container's /tmp
    ...(stack.mail ? { smtpUrl: stack.mail.url } : {}),
  };
  const run = `hg-img-${process.pid}`;
  const containers: Array<{ name: string; container: Container }> = [];
  try {
    for (const service of ['sessions', 'billing', 'notifications'] as const) {
      const image = imageOf(service, 'api');
      if (!image || controller.signal.aborted) continue;
      const instance = instances.find((i) => i.name === service)!;
      await check(tally, `${service}: dist/migrate.js migrates its database`, async () => {
        const r = await runToCompletion(ctx.env, { name: `${run}-${service}-migrate`, image, entry: 'dist/migrate.js', vars: { ...serviceEnv(instance, 0, wiring), HOST: '127.0.0.1' } });
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.output.trim().split('\n').slice(-5).join(' | ')}`);
        return 'exit 0';
      });
    }
    // APIs first (the workers call billing), then the workers, from their own targets.
    const order = [...instances.filter((i) => i.spec.api), ...instances.filter((i) => !i.spec.api)];
    for (const instance of order) {
      if (controller.signal.aborted) break;
      const target = instance.spec.api ? 'api' : 'worker';
      const image = imageOf(instance.spec.workspace.split('/')[1]!, target);
      if (!image) continue;
      const url = `http://127.0.0.1:${ports[instance.name]}`;
      await check(tally, `${instance.name} (${image}) answers /readyz`, async () => {
        const sdkPort = sdkMetricsPorts[instance.name];
        const vars = { ...serviceEnv(instance, ports[instance.name]!, wiring), HOST: '127.0.0.1', ...(sdkPort ? { TEMPORAL_METRICS_PORT: String(sdkPort) } : {}) };
        const container = await startContainer(ctx.env, { name: `${run}-${instance.name}`, image, vars });
        containers.push({ name: instance.name, container });
        return waitReady(url, container, 120_000);
      });
    }
    if (!controller.signal.aborted && containers.length === instances.length) {
      await check(tally, 'a session started through the sessions API container expires by itself', () =>
        sessionStartsAndExpires({ sessionsUrl: urls.SESSIONS_URL!, billingUrl: urls.BILLING_URL!, jwtSecret: settings.jwtSecret }),
      );
      await check(tally, 'the sessions worker serves the Temporal SDK’s metrics (TEMPORAL_METRICS_PORT)', () => sdkMetrics(sdkMetricsPorts['sessions-worker']!));
    } else {
      tally.failed++;
      fail('a session through the containers: not tried, not every container is up');
    }
  } finally {
    for (const { name, container } of containers) {
      await container.saveLogs(path.join(logDir, `${name}.log`)).catch(() => undefined);
      await check(tally, `${name} stops on SIGTERM with exit 0`, async () => {
        const code = await container.stop(20);
        if (code !== 0) throw new Error(`exit ${code} (log: ${path.join(logDir, `${name}.log`)})`);
        return 'exit 0';
      });
      await container.saveLogs(path.join(logDir, `${name}.log`)).catch(() => undefined);
      await removeContainer(ctx.env, container.name);
    }
    await stack.stop();
  }
  info(`test:images wall time ${((Date.now() - wall) / 1000).toFixed(0)} s`);
  if (tally.failed === 0) rmSync(dataDir, { recursive: true, force: true });
  else info(`logs kept in ${dataDir}`);
  process.stdout.write(`${tally.passed} passed, ${tally.failed} failed\n`);
  return tally.failed === 0 && !controller.signal.aborted ? 0 : 1;
}

if (require.main === module) {
  testImages().then(
    (code) => process.exit(code),
    (e: unknown) => {
      reportFailure(e);
      process.stdout.write('0 passed, 1 failed\n');
      process.exit(1);
    },
  );
}
