import { topicNames, topics } from '@hourglass/proto';
import { kinds } from './helpers';

// Each service's KafkaUser may do what the topic registry says it does, and nothing else: no service can write
// another's topics (billing.credit.granted.v1 is billing's alone), read a topic it does not consume, or join
// another's consumer group.
type Acl = { resource: { type: string; name?: string; patternType?: string }; operations: string[] };
const users: Record<string, Acl[]> = Object.fromEntries(kinds('prod', 'KafkaUser').map((u) => [u.metadata.name.replace(/-kafka$/, ''), u.spec.authorization.acls as Acl[]]));
const may = (service: string, op: string, type: string, name: string) =>
  users[service]!.some((a) => a.resource.type === type && a.operations.includes(op) && (a.resource.patternType === 'prefix' ? name.startsWith(a.resource.name!) : a.resource.name === name || a.resource.name === '*'));

test('one SCRAM user per service', () => {
  expect(Object.keys(users).sort()).toEqual(['billing', 'notifications', 'sessions']);
  for (const u of kinds('prod', 'KafkaUser')) expect(u.spec.authentication.type).toBe('scram-sha-512');
});

test.each(['sessions', 'billing', 'notifications'])('%s writes exactly the topics it produces and reads exactly those it consumes', (service) => {
  for (const name of topicNames) {
    const t = topics[name];
    const producers = ([] as string[]).concat(t.producer as string | string[]);
    const consumers = t.consumers as readonly string[];
    expect([name, 'Write', may(service, 'Write', 'topic', name)]).toEqual([name, 'Write', producers.includes(service)]);
    expect([name, 'Read', may(service, 'Read', 'topic', name)]).toEqual([name, 'Read', consumers.includes(service)]);
    expect([`${name}.dlq`, 'Write', may(service, 'Write', 'topic', `${name}.dlq`)]).toEqual([`${name}.dlq`, 'Write', consumers.includes(service)]);
    expect(may(service, 'Describe', 'topic', name)).toBe(true); // it waits for every topic at start
  }
});

test('transactions and groups are each service’s own', () => {
  expect(may('sessions', 'Write', 'transactionalId', 'outbox-sessions-sessions-7d9f')).toBe(true);
  expect(may('sessions', 'Write', 'transactionalId', 'outbox-billing-billing-7d9f')).toBe(false);
  expect(may('notifications', 'Write', 'transactionalId', 'outbox-notifications-x')).toBe(false); // it produces nothing
  expect(may('billing', 'Read', 'group', 'billing')).toBe(true);
  expect(may('billing', 'Read', 'group', 'sessions')).toBe(false);
  expect(may('notifications', 'Write', 'topic', 'billing.credit.granted.v1')).toBe(false);
});
