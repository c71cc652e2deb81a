import { readFileSync } from 'node:fs';
import net from 'node:net';
import { UsageError } from './errors';

/**
 * Free ports for `npm test` (ask the kernel: bind port 0) and a clear refusal for `npm start` when a fixed port is
 * already taken.
 */

function listen(port: number, host?: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The kernel's ephemeral range (outgoing connections take their local ports from it). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

/**
 * `count` distinct free TCP ports on `host`, picked at random BELOW the ephemeral range: a port the kernel could
 * hand to any outgoing connection (a Kafka client, a fetch) in the moment before our server binds it is not a
 * free port at all. That moment is real on a busy machine; ports from port 0 lost that race here. Every candidate is
 * held open until all are known, so one call never returns the same port twice.
 */
export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  const low = 20000;
  const high = Math.max(low + 1000, ephemeralLow - 1);
  const held: net.Server[] = [];
  try {
    for (let attempts = 0; held.length < count; attempts++) {
      if (attempts > count * 200) throw new Error(`no ${count} free ports found in ${low}-${high}`);
      const candidate = low + Math.floor(Math.random() * (high - low + 1));
      if (!(await isPortFree(candidate))) continue;
      try {
        held.push(await listen(candidate, host));
      } catch {
        /* taken meanwhile, or already held by us */
      }
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map(close));
  }
}

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await findFreePorts(1, host);
  return port!;
}

/**
 * Whether nothing listens on `port`. Binds the wildcard address (IPv6 dual-stack when available), which collides
 * with a listener on any local address, including 127.0.0.1.
 */
export async function isPortFree(port: number): Promise<boolean> {
  for (const host of ['::', '0.0.0.0']) {
    try {
      await close(await listen(port, host));
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') return false;
      // EADDRNOTAVAIL / EAFNOSUPPORT: no IPv6 here, try IPv4.
    }
  }
  return true;
}

export interface NamedPort {
  name: string;
  port: number;
  /** The variable that overrides it, for the error message. */
  env?: string;
}

/** Throws one message naming every port that is already in use. */
export async function assertPortsFree(ports: NamedPort[]): Promise<void> {
  const taken: NamedPort[] = [];
  for (const p of ports) if (!(await isPortFree(p.port))) taken.push(p);
  if (taken.length === 0) return;
  const lines = taken.map((p) => `  port ${p.port} (${p.name}) is already in use${p.env ? ` — stop what holds it or set ${p.env}` : ''}`);
  throw new UsageError(`cannot start: ${taken.length === 1 ? 'a port is' : 'ports are'} taken\n${lines.join('\n')}\n  (see who holds it: ss -ltnp 'sport = :${taken[0]!.port}')`);
}

/** Parses a port number from an environment value; undefined when unset, an error when not a valid port. */
export function parsePort(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${name}=${value} is not a TCP port (1-65535)`);
  return port;
}
