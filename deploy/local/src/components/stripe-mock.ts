import path from 'node:path';
import { ensureInstalled, ifExists } from '../cache';
import { asComponentError } from '../errors';
import { goBinDir, goInstall } from '../go';
import { reapStale, startProcess } from '../process';
import { httpOk, waitUntil } from '../wait';
import type { Running, StartContext } from './types';

/** stripe-mock: Stripe's API answered from its OpenAPI fixtures (stateless). Built with `go install`. */

export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@v0.203.0';

export function installStripeMock(cache: string): Promise<string> {
  return ensureInstalled(cache, {
    component: 'stripe-mock',
    description: `stripe-mock (go install ${STRIPE_MOCK_MODULE})`,
    find: () => ifExists(path.join(goBinDir(cache), 'stripe-mock')),
    install: (log) => goInstall('stripe-mock', cache, STRIPE_MOCK_MODULE, log),
  });
}

export interface StripeMockOptions {
  bin: string;
  httpPort: number;
  httpsPort: number;
}

export interface RunningStripeMock extends Running {
  /** http://host:port, for STRIPE_API_URL. */
  url: string;
}

/** Any test key works against stripe-mock. */
export const STRIPE_TEST_KEY = 'sk_test_123';

export async function startStripeMock(o: StripeMockOptions, ctx: StartContext): Promise<RunningStripeMock> {
  const logFile = path.join(ctx.logDir, 'stripe-mock.log');
  const pidFile = path.join(ctx.runDir, 'stripe-mock.pid');
  await reapStale(pidFile);
  const proc = startProcess({
    name: 'stripe-mock',
    command: o.bin,
    // -http-addr/-https-addr rather than -http-port/-https-port: bind loopback only, like the rest of the stack.
    args: ['-http-addr', `${ctx.host}:${o.httpPort}`, '-https-addr', `${ctx.host}:${o.httpsPort}`],
    logFile,
    stopTimeoutMs: 5000,
    pidFile,
  });
  const url = `http://${ctx.host}:${o.httpPort}`;
  try {
    await waitUntil('stripe-mock', 'answering', () => httpOk(`${url}/v1/customers`, { authorization: `Bearer ${STRIPE_TEST_KEY}` }), {
      timeoutMs: 30_000,
      intervalMs: 200,
      process: proc,
      signal: ctx.signal,
    });
  } catch (e) {
    await proc.stop();
    throw asComponentError('stripe-mock', e, logFile);
  }
  return { name: 'stripe-mock', logFile, process: proc, stop: proc.stop, url };
}
