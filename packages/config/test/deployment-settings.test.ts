import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseServiceSchema, ConfigError, directDatabaseUrl, kafkaSecurity, parseConfig } from '../src';

const base = {
  SERVICE_NAME: 'billing',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/billing',
  KAFKA_BROKERS: '127.0.0.1:9092',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  JWT_SECRET: 'a-secret-of-enough-length',
};
const security = (env: Record<string, string>) => kafkaSecurity(parseConfig(baseServiceSchema, { ...base, ...env }));

test('defaults: plaintext, topics created, dependencies in readiness, 15 s to stop', () => {
  const c = parseConfig(baseServiceSchema, base);
  expect([c.KAFKA_TLS, c.KAFKA_TOPICS, c.READINESS_SCOPE, c.SHUTDOWN_TIMEOUT_MS]).toEqual([false, 'create', 'dependencies', 15_000]);
  expect(kafkaSecurity(c)).toBeUndefined();
});

test('TLS with the cluster CA and SCRAM credentials', () => {
  const ca = path.join(mkdtempSync(path.join(os.tmpdir(), 'hourglass-kafka-ca-')), 'ca.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  const s = security({ KAFKA_TLS: 'true', KAFKA_TLS_CA: ca, KAFKA_SASL_USERNAME: 'sessions', KAFKA_SASL_PASSWORD: 'pw' });
  expect(s?.tls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
  expect(s?.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'sessions', password: 'pw' });
});

test('TLS alone (a public CA), no SASL', () => {
  expect(security({ KAFKA_TLS: 'true' })).toEqual({ tls: {} });
});

test('refused: half a credential, SASL without TLS, a CA without TLS, an unreadable CA — each named', () => {
  expect(() => security({ KAFKA_TLS: 'true', KAFKA_SASL_USERNAME: 'sessions' })).toThrow(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
  expect(() => security({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/SASL only over TLS/);
  expect(() => security({ KAFKA_TLS_CA: '/x.crt' })).toThrow(/KAFKA_TLS_CA: only with KAFKA_TLS=true/);
  expect(() => security({ KAFKA_TLS: 'true', KAFKA_TLS_CA: '/nonexistent/ca.crt' })).toThrow(ConfigError);
  expect(() => parseConfig(baseServiceSchema, { ...base, KAFKA_TLS: 'yes' })).toThrow(/KAFKA_TLS/);
  expect(() => parseConfig(baseServiceSchema, { ...base, KAFKA_TOPICS: 'auto' })).toThrow(/KAFKA_TOPICS/);
});

test('session-level work goes past the pooler when a direct URL is given', () => {
  const pooled = 'postgres://app:pw@sessions-db-pooler-rw:5432/sessions';
  const direct = 'postgres://app:pw@sessions-db-rw:5432/sessions';
  expect(directDatabaseUrl(parseConfig(baseServiceSchema, { ...base, DATABASE_URL: pooled, DATABASE_DIRECT_URL: direct }))).toBe(direct);
  expect(directDatabaseUrl(parseConfig(baseServiceSchema, { ...base, DATABASE_URL: pooled }))).toBe(pooled);
  expect(parseConfig(baseServiceSchema, base).DATABASE_POOL_MAX).toBe(10);
});
