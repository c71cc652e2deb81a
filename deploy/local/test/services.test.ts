import { apiUrls, portEnvName, selectInstances, serviceEnv, serviceInstances, SERVICES, type ServiceWiring } from '../src/services';
import { webhookSecrets } from '../src/webhook-secrets';

const wiring: ServiceWiring = {
  nodeEnv: 'test',
  logLevel: 'info',
  jwtSecret: 's3cret',
  databaseUrls: { sessions: 'pg://x/sessions', billing: 'pg://x/billing', notifications: 'pg://x/notifications' },
  kafkaBrokers: '127.0.0.1:9092',
  temporalAddress: '127.0.0.1:7233',
  temporalNamespace: 'default',
  stripeApiUrl: 'http://127.0.0.1:12111',
  apiUrls: { SESSIONS_URL: 'http://127.0.0.1:4001', BILLING_URL: 'http://127.0.0.1:4002', NOTIFICATIONS_URL: 'http://127.0.0.1:4003' },
  filesDir: '/tmp/hourglass-files',
};

describe('service list', () => {
  it('has the five processes on their documented ports', () => {
    expect(Object.fromEntries(serviceInstances().map((i) => [i.name, i.defaultPort]))).toEqual({
      billing: 4002,
      'billing-worker': 4012,
      sessions: 4001,
      'sessions-worker': 4011,
      notifications: 4003,
    });
  });

  it('expands replicas with their own names, ports and port variables', () => {
    const instances = serviceInstances([{ ...SERVICES[0]!, replicas: 3 }]);
    expect(instances.map((i) => [i.name, i.defaultPort, i.portEnv])).toEqual([
      ['billing', 4002, 'HOURGLASS_BILLING_PORT'],
      ['billing-2', 4102, 'HOURGLASS_BILLING_2_PORT'],
      ['billing-3', 4202, 'HOURGLASS_BILLING_3_PORT'],
    ]);
  });

  it('names port variables after the process', () => {
    expect(portEnvName('sessions-worker')).toBe('HOURGLASS_SESSIONS_WORKER_PORT');
  });
});

describe('service environment', () => {
  const byName = Object.fromEntries(serviceInstances().map((i) => [i.name, i]));

  it('gives each worker its own service database', () => {
    expect(serviceEnv(byName['billing-worker']!, 4012, wiring).DATABASE_URL).toBe('pg://x/billing');
    expect(serviceEnv(byName['sessions-worker']!, 4011, wiring).DATABASE_URL).toBe('pg://x/sessions');
    expect(serviceEnv(byName.notifications!, 4003, wiring).DATABASE_URL).toBe('pg://x/notifications');
  });

  it('passes every documented variable', () => {
    expect(serviceEnv(byName.sessions!, 4001, wiring)).toEqual({
      PORT: '4001',
      SERVICE_NAME: 'sessions',
      DATABASE_URL: 'pg://x/sessions',
      KAFKA_BROKERS: '127.0.0.1:9092',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      JWT_SECRET: 's3cret',
      LOG_LEVEL: 'info',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
      NODE_ENV: 'test',
      FILES_DIR: '/tmp/hourglass-files',
      SESSIONS_URL: 'http://127.0.0.1:4001',
      BILLING_URL: 'http://127.0.0.1:4002',
      NOTIFICATIONS_URL: 'http://127.0.0.1:4003',
      PUBLIC_URL: 'http://127.0.0.1:4001',
      ...webhookSecrets('s3cret'),
    });
  });

  it('derives webhook secrets from the JWT secret: stable per secret, different across secrets', () => {
    expect(webhookSecrets('a')).toEqual(webhookSecrets('a'));
    expect(webhookSecrets('a').STRIPE_WEBHOOK_SECRET).not.toBe(webhookSecrets('b').STRIPE_WEBHOOK_SECRET);
    expect(webhookSecrets('a').STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_[0-9a-f]{32}$/);
  });

  it('publishes one URL per API, from its first replica', () => {
    const instances = serviceInstances([{ ...SERVICES[0]!, replicas: 2 }, SERVICES[1]!]);
    expect(apiUrls(instances, { billing: 5000, 'billing-2': 5001, 'billing-worker': 5002 }, '127.0.0.1')).toEqual({ BILLING_URL: 'http://127.0.0.1:5000' });
  });
});

describe('HOURGLASS_SERVICES', () => {
  const all = serviceInstances();
  it('selects everything when unset', () => {
    expect(selectInstances(all, undefined).selected).toHaveLength(all.length);
  });
  it('selects by name, none for infrastructure only', () => {
    expect(selectInstances(all, 'sessions, sessions-worker').selected.map((i) => i.name)).toEqual(['sessions', 'sessions-worker']);
    const none = selectInstances(all, 'none');
    expect(none.selected).toEqual([]);
    expect(none.skipped[0]!.reason).toContain('HOURGLASS_SERVICES');
  });
  it('refuses unknown names', () => {
    expect(() => selectInstances(all, 'sesions')).toThrow(/unknown process\(es\) sesions/);
  });
});
