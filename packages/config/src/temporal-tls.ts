import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export interface TemporalTlsSettings {
  TEMPORAL_TLS_CERT?: string;
  TEMPORAL_TLS_KEY?: string;
  TEMPORAL_TLS_CA?: string;
  TEMPORAL_TLS_SERVER_NAME?: string;
}

/** The `tls` option of the Temporal SDK's Connection.connect and NativeConnection.connect. */
export interface TemporalTls {
  clientCertPair: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
  serverNameOverride?: string;
}

/**
 * The Temporal connection's mTLS settings from the config (undefined: plain connection, as to the dev server).
 * Certificate and key come together or not at all; a file that cannot be read fails the start with its path.
 */
export function temporalTls(c: TemporalTlsSettings): TemporalTls | undefined {
  const problems: string[] = [];
  if (!c.TEMPORAL_TLS_CERT !== !c.TEMPORAL_TLS_KEY) problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both (mTLS) or neither');
  if (!c.TEMPORAL_TLS_CERT && (c.TEMPORAL_TLS_CA || c.TEMPORAL_TLS_SERVER_NAME)) problems.push('TEMPORAL_TLS_CA / TEMPORAL_TLS_SERVER_NAME: only with TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY');
  if (problems.length > 0) throw new ConfigError(problems);
  if (!c.TEMPORAL_TLS_CERT || !c.TEMPORAL_TLS_KEY) return undefined;
  const read = (name: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      problems.push(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return Buffer.alloc(0);
    }
  };
  const tls: TemporalTls = {
    clientCertPair: { crt: read('TEMPORAL_TLS_CERT', c.TEMPORAL_TLS_CERT), key: read('TEMPORAL_TLS_KEY', c.TEMPORAL_TLS_KEY) },
    ...(c.TEMPORAL_TLS_CA ? { serverRootCACertificate: read('TEMPORAL_TLS_CA', c.TEMPORAL_TLS_CA) } : {}),
    ...(c.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: c.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return tls;
}
