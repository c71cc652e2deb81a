import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseServiceSchema, ConfigError, parseConfig, temporalTls } from '../src';

const valid = {
  SERVICE_NAME: 'billing',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/billing',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  JWT_SECRET: 'a-secret-of-enough-length',
};

describe('parseConfig', () => {
  it('parses and applies defaults', () => {
    const config = parseConfig(baseServiceSchema, valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.PORT).toBe(0);
    expect(config.NODE_ENV).toBe('development');
  });

  it('lists every problem at once', () => {
    const attempt = () => parseConfig(baseServiceSchema, { ...valid, DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', PORT: 'x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/JWT_SECRET/);
      expect(problems).toMatch(/PORT/);
    }
  });
});

describe('temporalTls (mTLS to Temporal Cloud or a cluster that requires it)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('is off without certificate settings (the local dev server speaks plain gRPC)', () => {
    expect(temporalTls({})).toBeUndefined();
  });

  it('reads the client certificate pair, and the CA and server name when given', () => {
    const tls = temporalTls({ TEMPORAL_TLS_CERT: file('client.pem', 'CERT'), TEMPORAL_TLS_KEY: file('client.key', 'KEY'), TEMPORAL_TLS_CA: file('ca.pem', 'CA'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    expect(tls?.clientCertPair.crt.toString()).toBe('CERT');
    expect(tls?.clientCertPair.key.toString()).toBe('KEY');
    expect(tls?.serverRootCACertificate?.toString()).toBe('CA');
    expect(tls?.serverNameOverride).toBe('temporal.internal');
  });

  it('refuses half a pair, a CA without a pair, and unreadable files, naming each', () => {
    expect(() => temporalTls({ TEMPORAL_TLS_CERT: file('only.pem', 'CERT') })).toThrow(/set both \(mTLS\) or neither/);
    expect(() => temporalTls({ TEMPORAL_TLS_CA: file('ca2.pem', 'CA') })).toThrow(/only with TEMPORAL_TLS_CERT/);
    expect(() => temporalTls({ TEMPORAL_TLS_CERT: path.join(dir, 'missing.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'missing.key') })).toThrow(
      /TEMPORAL_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)[\s\S]*TEMPORAL_TLS_KEY: cannot read .*missing\.key/,
    );
  });
});
