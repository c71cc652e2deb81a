import path from 'node:path';
import { cacheDir } from '../src/cache';
import { DEV_JWT_SECRET, namedPorts, resolveSettings } from '../src/settings';
import { searchAttributeFlags } from '../src/search-attributes';

describe('npm start settings', () => {
  it('uses the fixed ports, .hourglass/ and the dev secret', async () => {
    const s = await resolveSettings({ mode: 'start', repoRoot: '/repo', env: { HOME: '/home/me' } });
    expect(s.infraPorts).toEqual({ postgres: 5433, kafka: 9092, kafkaController: 9093, temporal: 7233, temporalUi: 8233, stripe: 12111, stripeHttps: 12112, smtp: 1025 });
    expect(s.servicePorts).toMatchObject({ sessions: 4001, billing: 4002, notifications: 4003, 'sessions-worker': 4011, 'billing-worker': 4012 });
    expect(s.dataDir).toBe(path.join('/repo', '.hourglass'));
    expect(s.jwtSecret).toBe(DEV_JWT_SECRET);
    expect(s.nodeEnv).toBe('development');
    expect(s.postgres.durable).toBe(true);
  });

  it('runs N copies of every service and worker with --replicas (HOURGLASS_REPLICAS), each on its own port', async () => {
    const s = await resolveSettings({ mode: 'start', repoRoot: '/repo', env: { HOME: '/home/me', HOURGLASS_REPLICAS: '2' } });
    expect(s.servicePorts).toEqual({ sessions: 4001, 'sessions-2': 4101, billing: 4002, 'billing-2': 4102, notifications: 4003, 'notifications-2': 4103, 'sessions-worker': 4011, 'sessions-worker-2': 4111, 'billing-worker': 4012, 'billing-worker-2': 4112 });
    await expect(resolveSettings({ mode: 'start', repoRoot: '/repo', env: { HOURGLASS_REPLICAS: 'lots' } })).rejects.toThrow(/HOURGLASS_REPLICAS must be 1–5/);
  });

  it('lets the environment move ports, the data dir and the secret', async () => {
    const s = await resolveSettings({
      mode: 'start',
      repoRoot: '/repo',
      env: { HOURGLASS_PG_PORT: '6543', HOURGLASS_SESSIONS_WORKER_PORT: '5011', HOURGLASS_DATA_DIR: '/var/tmp/hg', JWT_SECRET: 'x' },
    });
    expect(s.infraPorts.postgres).toBe(6543);
    expect(s.servicePorts['sessions-worker']).toBe(5011);
    expect(s.dataDir).toBe('/var/tmp/hg');
    expect(s.jwtSecret).toBe('x');
    expect(namedPorts(s)).toContainEqual({ name: 'postgres', port: 6543, env: 'HOURGLASS_PG_PORT' });
  });
});

describe('npm test settings', () => {
  it('uses distinct free ports, the given temp dir and a random secret', async () => {
    const a = await resolveSettings({ mode: 'test', repoRoot: '/repo', dataDir: '/tmp/x', env: { HOURGLASS_PG_PORT: '6543' } });
    const b = await resolveSettings({ mode: 'test', repoRoot: '/repo', dataDir: '/tmp/y', env: {} });
    const ports = [...Object.values(a.infraPorts), ...Object.values(a.servicePorts)];
    expect(new Set(ports).size).toBe(ports.length);
    expect(a.infraPorts.postgres).not.toBe(6543);
    expect(a.dataDir).toBe('/tmp/x');
    expect(a.jwtSecret).not.toBe(b.jwtSecret);
    expect(a.jwtSecret).not.toBe(DEV_JWT_SECRET);
    expect(a.nodeEnv).toBe('test');
    expect(a.temporalUi).toBe(true);
  });
});

describe('cache dir', () => {
  it('honours HOURGLASS_CACHE_DIR, then XDG_CACHE_HOME', () => {
    expect(cacheDir({ HOURGLASS_CACHE_DIR: '/c' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/hourglass');
  });
});

describe('search attributes', () => {
  it('registers the Hourglass attributes as keywords', () => {
    expect(searchAttributeFlags()).toEqual([
      '--search-attribute', 'HourglassUserId=Keyword',
      '--search-attribute', 'HourglassSessionType=Keyword',
      '--search-attribute', 'HourglassPackId=Keyword',
      '--search-attribute', 'HourglassStatus=Keyword',
    ]);
  });
});
