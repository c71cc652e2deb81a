import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';

export type KafkaClient = Kafka;

interface LoggerLike {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** TLS and SASL for the brokers (@hourglass/config `kafkaSecurity` gives one); none: plaintext. */
export interface KafkaConnectionSecurity {
  tls?: { ca?: Buffer };
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; username: string; password: string };
}

/** kafkajs's `ssl` and `sasl` options for a connection's security. */
export function securityOptions(security: KafkaConnectionSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security?.tls) return {};
  return {
    ssl: security.tls.ca ? { ca: [security.tls.ca] } : true,
    ...(security.sasl ? { sasl: { ...security.sasl } as SASLOptions } : {}),
  };
}

/** A kafkajs client whose own logs go through our logger (warnings and errors only, by default). */
export function createKafka({ clientId, brokers, logger, security }: { clientId: string; brokers: string[]; logger?: LoggerLike; security?: KafkaConnectionSecurity }): KafkaClient {
  return new Kafka({
    clientId,
    brokers,
    ...securityOptions(security),
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        if (!logger) return;
        const { message, ...rest } = log;
        const entry = { kafka: rest };
        if (level === logLevel.ERROR) logger.error(entry, `kafka: ${message}`);
        else if (level === logLevel.WARN) logger.warn(entry, `kafka: ${message}`);
        else logger.debug(entry, `kafka: ${message}`);
      },
  });
}

/** Creates each topic and its dead-letter topic if missing. Safe to call from many processes at once. */
export async function ensureTopics(kafka: KafkaClient, names: readonly string[], { partitions = 3 }: { partitions?: number } = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = names.flatMap((n) => [n, `${n}.dlq`]).filter((n) => !existing.has(n));
    if (wanted.length === 0) return;
    try {
      await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : partitions, replicationFactor: 1 })) });
    } catch (e) {
      // Another process created some of them first: fine, as long as they all exist now.
      const now = new Set(await admin.listTopics());
      const missing = wanted.filter((n) => !now.has(n));
      if (missing.length) throw e;
    }
  } finally {
    await admin.disconnect();
  }
}

/** Kafka header values arrive as Buffers (or arrays of them); we only use single string values. */
export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined && one !== null) out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}
