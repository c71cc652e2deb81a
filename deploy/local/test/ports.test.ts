import { readFileSync } from 'node:fs';
import net from 'node:net';
import { assertPortsFree, findFreePort, findFreePorts, isPortFree, parsePort } from '../src/ports';

function listenOn(port: number, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe('free port finder', () => {
  it('returns distinct ports that can be bound', async () => {
    const ports = await findFreePorts(12);
    expect(new Set(ports).size).toBe(12);
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (const port of ports) {
      // Never from the range outgoing connections draw from (they could take it before our server binds).
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThan(ephemeralLow);
      const server = await listenOn(port);
      await new Promise((r) => server.close(r));
    }
  });

  it('sees a port held by a listener on 127.0.0.1 as taken, and free again once released', async () => {
    const port = await findFreePort();
    const server = await listenOn(port);
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => server.close(r));
    expect(await isPortFree(port)).toBe(true);
  });

  it('names every taken port and the variable that moves it', async () => {
    const [a, b] = await findFreePorts(2);
    const server = await listenOn(a!);
    try {
      await expect(
        assertPortsFree([
          { name: 'kafka', port: a!, env: 'HOURGLASS_KAFKA_PORT' },
          { name: 'temporal', port: b! },
        ]),
      ).rejects.toThrow(new RegExp(`port ${a} \\(kafka\\) is already in use — stop what holds it or set HOURGLASS_KAFKA_PORT`));
      await expect(assertPortsFree([{ name: 'temporal', port: b! }])).resolves.toBeUndefined();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('parsePort', () => {
  it('accepts unset and valid values, rejects the rest', () => {
    expect(parsePort(undefined, 'X')).toBeUndefined();
    expect(parsePort('', 'X')).toBeUndefined();
    expect(parsePort('5433', 'X')).toBe(5433);
    expect(() => parsePort('0', 'HOURGLASS_PG_PORT')).toThrow('HOURGLASS_PG_PORT=0 is not a TCP port');
    expect(() => parsePort('70000', 'X')).toThrow();
    expect(() => parsePort('12ab', 'X')).toThrow();
  });
});
