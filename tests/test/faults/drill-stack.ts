import type { ComponentState } from '@hourglass/local-stack';
import { stack } from '@hourglass/testing';

/**
 * The fault drills' stack: `npm run test:faults` starts one of their own (free ports, fresh temp dir, test mode —
 * exactly what `npm test` starts), hands it over in the HOURGLASS_* variables, and lets the drills kill and restart
 * any part of it through its control surface (deploy/local/src/control.ts) at HOURGLASS_STACK_CONTROL_URL.
 */

export interface DrillEnv {
  sessionsUrl: string;
  billingUrl: string;
  notificationsUrl: string;
  jwtSecret: string;
  stripeWebhookSecret: string;
  kafkaBrokers: string[];
  databaseUrls: { sessions: string; billing: string; notifications: string };
  mailDir: string;
  logDir: string;
}

// What the control surface answers (deploy/local/src/control.ts).
export type { ComponentState } from '@hourglass/local-stack';

export interface StackControl {
  components(): Promise<ComponentState[]>;
  /** Graceful stop, or SIGKILL to the component's process group; it stays down until start. Resolves with its pid. */
  stop(name: string, how?: 'graceful' | 'SIGKILL'): Promise<{ pid: number; ms: number }>;
  /** Starts it again (same ports, data, wiring); resolves once it is ready. */
  start(name: string): Promise<{ pid: number; ms: number }>;
}

export function drillEnv(): DrillEnv {
  return {
    sessionsUrl: stack.sessionsUrl,
    billingUrl: stack.billingUrl,
    notificationsUrl: stack.notificationsUrl,
    jwtSecret: stack.jwtSecret,
    stripeWebhookSecret: stack.stripeWebhookSecret,
    kafkaBrokers: stack.kafkaBrokers,
    databaseUrls: { sessions: stack.sessionsDatabaseUrl, billing: stack.billingDatabaseUrl, notifications: stack.notificationsDatabaseUrl },
    mailDir: stack.mailDir,
    logDir: process.env.HOURGLASS_LOG_DIR ?? '',
  };
}

export function stackControl(): StackControl {
  const base = process.env.HOURGLASS_STACK_CONTROL_URL;
  if (!base) throw new Error('HOURGLASS_STACK_CONTROL_URL is not set: run the fault drills with `npm run test:faults` (it starts their stack)');
  const call = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(new URL(path, base), { method });
    const body = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${body.error ?? JSON.stringify(body)}`);
    return body as T;
  };
  return {
    components: () => call('GET', '/components'),
    stop: (name, how = 'graceful') => call('POST', `/components/${name}/stop${how === 'SIGKILL' ? '?how=SIGKILL' : ''}`),
    start: (name) => call('POST', `/components/${name}/start`),
  };
}
