import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export interface KafkaSecuritySettings {
  KAFKA_TLS?: boolean;
  KAFKA_TLS_CA?: string;
  KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'scram-sha-256' | 'plain';
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

/** How to reach the brokers: TLS (with the cluster's CA when it is a private one) and SASL credentials. */
export interface KafkaSecurity {
  tls?: { ca?: Buffer };
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; username: string; password: string };
}

/**
 * The Kafka connection's security from the config (undefined: plaintext, as to the local broker). A CA needs TLS;
 * user name and password come together or not at all; SASL without TLS is refused (the password would cross the
 * network in the clear, SCRAM's exchange aside); an unreadable CA file fails the start with its path.
 */
export function kafkaSecurity(c: KafkaSecuritySettings): KafkaSecurity | undefined {
  const problems: string[] = [];
  if (!c.KAFKA_SASL_USERNAME !== !c.KAFKA_SASL_PASSWORD) problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: set both or neither');
  if (c.KAFKA_TLS_CA && !c.KAFKA_TLS) problems.push('KAFKA_TLS_CA: only with KAFKA_TLS=true');
  if (c.KAFKA_SASL_USERNAME && !c.KAFKA_TLS) problems.push('KAFKA_SASL_USERNAME: SASL only over TLS (set KAFKA_TLS=true)');
  if (problems.length > 0) throw new ConfigError(problems);
  if (!c.KAFKA_TLS) return undefined;
  const security: KafkaSecurity = { tls: {} };
  if (c.KAFKA_TLS_CA) {
    try {
      security.tls = { ca: readFileSync(c.KAFKA_TLS_CA) };
    } catch (e) {
      throw new ConfigError([`KAFKA_TLS_CA: cannot read ${c.KAFKA_TLS_CA} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`]);
    }
  }
  if (c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD) {
    security.sasl = { mechanism: c.KAFKA_SASL_MECHANISM ?? 'scram-sha-512', username: c.KAFKA_SASL_USERNAME, password: c.KAFKA_SASL_PASSWORD };
  }
  return security;
}
