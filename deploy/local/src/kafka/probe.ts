import net from 'node:net';

/**
 * Readiness probe for a Kafka broker, speaking the wire protocol directly (no client library in the supervisor):
 * a Metadata v1 request for no topics. The broker answers only once it processes requests, and lists itself only
 * once it is registered and unfenced — i.e. ready for topic creation.
 */

const METADATA = 3;
const CLIENT_ID = 'hourglass-probe';

export function encodeMetadataRequest(correlationId: number): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  // header v1: api_key, api_version, correlation_id, client_id; body v1: topics = [] (empty, not null = all)
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = 0;
  o = body.writeInt16BE(METADATA, o);
  o = body.writeInt16BE(1, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(0, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
}

export interface MetadataV1 {
  correlationId: number;
  brokers: BrokerInfo[];
  controllerId: number;
}

/** Decodes a Metadata v1 response (without its 4-byte size prefix), up to the controller id. */
export function decodeMetadataResponse(frame: Buffer): MetadataV1 {
  let o = 0;
  const int16 = () => {
    const v = frame.readInt16BE(o);
    o += 2;
    return v;
  };
  const int32 = () => {
    const v = frame.readInt32BE(o);
    o += 4;
    return v;
  };
  const string = (): string | null => {
    const len = int16();
    if (len < 0) return null;
    const s = frame.toString('utf8', o, o + len);
    o += len;
    return s;
  };
  const correlationId = int32();
  const count = int32();
  const brokers: BrokerInfo[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = int32();
    const host = string() ?? '';
    const port = int32();
    string(); // rack
    brokers.push({ nodeId, host, port });
  }
  const controllerId = int32();
  return { correlationId, brokers, controllerId };
}

/** Sends one Metadata request to host:port and resolves with the answer; rejects on error or timeout. */
export function fetchMetadata(host: string, port: number, timeoutMs = 2000): Promise<MetadataV1> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = Buffer.alloc(0);
    const done = (err: Error | null, value?: MetadataV1) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', (e) => done(e));
    socket.once('connect', () => socket.write(encodeMetadataRequest(1)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4) return;
      const size = buffer.readInt32BE(0);
      if (buffer.length < 4 + size) return;
      try {
        done(null, decodeMetadataResponse(buffer.subarray(4, 4 + size)));
      } catch (e) {
        done(e as Error);
      }
    });
    socket.once('end', () => done(new Error(`${host}:${port} closed the connection`)));
  });
}

/** True once the broker answers Metadata and lists at least one live broker. */
export async function kafkaReady(host: string, port: number): Promise<boolean> {
  const md = await fetchMetadata(host, port);
  if (md.brokers.length === 0) throw new Error('broker answers but lists no live broker yet');
  return true;
}
