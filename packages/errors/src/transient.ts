/**
 * Whether a failure is the unavailability of something the handler depends on (Postgres restarting, Temporal
 * unreachable, a connection reset) rather than a problem with the message: such a failure says nothing about the
 * event, so the consumer waits it out instead of counting it towards the dead-letter limit.
 */

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

// Postgres SQLSTATE: class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now),
// 53300 (too many connections), 40001/40P01 (serialization failure, deadlock: retry the transaction).
const PG_TRANSIENT = /^(08|57P0[123]$|53300$|40001$|40P01$)/;

// pg's own messages when the server goes away mid-query or cannot be reached.
const PG_MESSAGES = /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i;

// gRPC status codes (Temporal client): 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 8 RESOURCE_EXHAUSTED (the server's own
// rate limits: a client should back off and retry, never see a 500).
const GRPC_TRANSIENT = new Set([4, 8, 14]);

export function isTransientFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; retriable?: unknown; name?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_TRANSIENT.test(e.code))) return true;
  if (typeof e.code === 'number' && GRPC_TRANSIENT.has(e.code)) return true;
  if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
  // kafkajs marks its own retriable errors (a broker restarting).
  if (e.retriable === true && typeof e.name === 'string' && e.name.startsWith('KafkaJS')) return true;
  return isTransientFailure(e.cause, depth + 1);
}
