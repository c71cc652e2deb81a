import { newClusterId, renderLog4jProperties, renderServerProperties } from '../src/kafka/properties';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('KRaft server.properties', () => {
  const props = parse(renderServerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, logDir: '/tmp/k/data' }));

  it('is a single-node broker+controller on the given ports', () => {
    expect(props['process.roles']).toBe('broker,controller');
    expect(props['node.id']).toBe('1');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:19093');
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(props['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(props['controller.listener.names']).toBe('CONTROLLER');
    expect(props['listener.security.protocol.map']).toBe('PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(props['log.dirs']).toBe('/tmp/k/data');
  });

  it('never auto-creates topics, defaults to 3 partitions, replication factor 1 everywhere', () => {
    expect(props['auto.create.topics.enable']).toBe('false');
    expect(props['num.partitions']).toBe('3');
    expect(props['offsets.topic.replication.factor']).toBe('1');
    expect(props['transaction.state.log.replication.factor']).toBe('1');
    expect(props['transaction.state.log.min.isr']).toBe('1');
    expect(props['group.initial.rebalance.delay.ms']).toBe('0');
  });

  it('takes the node id and partition count from the config', () => {
    const p = parse(renderServerProperties({ host: 'h', port: 1, controllerPort: 2, logDir: 'd', nodeId: 7, numPartitions: 6 }));
    expect(p['controller.quorum.voters']).toBe('7@h:2');
    expect(p['num.partitions']).toBe('6');
  });
});

describe('log4j.properties', () => {
  it('logs to the given file, not the console', () => {
    const p = parse(renderLog4jProperties('/data/logs/kafka.log'));
    expect(p['log4j.rootLogger']).toBe('INFO, file');
    expect(p['log4j.appender.file']).toBe('org.apache.log4j.FileAppender');
    expect(p['log4j.appender.file.File']).toBe('/data/logs/kafka.log');
    expect(Object.values(p).some((v) => v.includes('ConsoleAppender'))).toBe(false);
  });
});

describe('newClusterId', () => {
  it('is 16 bytes in URL-safe base64 without padding', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it('never starts with "-"', () => {
    const draws = [Buffer.alloc(16, 0xfb), Buffer.alloc(16, 0x01)]; // 0xfb… encodes to "-_v7…"
    expect(draws[0]!.toString('base64url').startsWith('-')).toBe(true);
    expect(newClusterId(() => draws.shift()!)).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
  });
});
