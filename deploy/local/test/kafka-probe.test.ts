import net from 'node:net';
import { decodeMetadataResponse, encodeMetadataRequest, fetchMetadata, kafkaReady } from '../src/kafka/probe';

/** A Metadata v1 response body (after the size prefix) with the given brokers. */
function metadataResponse(correlationId: number, brokers: { id: number; host: string; port: number }[]): Buffer {
  const parts: Buffer[] = [];
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    parts.push(b);
  };
  const str = (s: string | null) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(s === null ? -1 : Buffer.byteLength(s));
    parts.push(b);
    if (s !== null) parts.push(Buffer.from(s));
  };
  i32(correlationId);
  i32(brokers.length);
  for (const b of brokers) {
    i32(b.id);
    str(b.host);
    i32(b.port);
    str(null);
  }
  i32(brokers[0]?.id ?? -1); // controller id
  i32(0); // topics
  return Buffer.concat(parts);
}

/** A fake broker answering every request with `body`. */
function fakeBroker(body: Buffer): Promise<{ port: number; requests: Buffer[]; close: () => Promise<void> }> {
  const requests: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (d: Buffer) => {
      requests.push(d);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      // Split the answer in two writes: the probe must reassemble frames.
      socket.write(Buffer.concat([size, body.subarray(0, 3)]));
      setTimeout(() => socket.end(body.subarray(3)), 20);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as net.AddressInfo).port, requests, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

describe('Kafka Metadata probe', () => {
  it('encodes a Metadata v1 request for no topics', () => {
    const req = encodeMetadataRequest(7);
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect(req.readInt16BE(4)).toBe(3); // api key: Metadata
    expect(req.readInt16BE(6)).toBe(1); // version
    expect(req.readInt32BE(8)).toBe(7); // correlation id
    const clientIdLength = req.readInt16BE(12);
    expect(req.toString('utf8', 14, 14 + clientIdLength)).toBe('hourglass-probe');
    expect(req.readInt32BE(14 + clientIdLength)).toBe(0); // empty topic array, not null (= all topics)
  });

  it('decodes brokers and controller id', () => {
    const md = decodeMetadataResponse(metadataResponse(1, [{ id: 1, host: '127.0.0.1', port: 9092 }]));
    expect(md).toEqual({ correlationId: 1, brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }], controllerId: 1 });
  });

  it('is ready when a broker lists itself, not before', async () => {
    const up = await fakeBroker(metadataResponse(1, [{ id: 1, host: '127.0.0.1', port: 1 }]));
    const starting = await fakeBroker(metadataResponse(1, []));
    try {
      await expect(kafkaReady('127.0.0.1', up.port)).resolves.toBe(true);
      expect(up.requests[0]!.readInt16BE(4)).toBe(3);
      await expect(kafkaReady('127.0.0.1', starting.port)).rejects.toThrow('lists no live broker');
    } finally {
      await up.close();
      await starting.close();
    }
  });

  it('fails fast when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    await expect(fetchMetadata('127.0.0.1', port, 1000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
