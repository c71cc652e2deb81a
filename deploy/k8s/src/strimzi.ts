import Ajv from 'ajv';
import { dlqTopic, topicNames, topics } from '@hourglass/proto';
import type { Environment } from './environments';
import { KAFKA_CLIENT_LABEL, SERVICES, type ServiceName } from './processes';

/**
 * Strimzi resources (kafka.strimzi.io/v1beta2): a KRaft Kafka with separate controller and broker pools, one TLS
 * listener where every client authenticates with SCRAM-SHA-512, simple authorization, no topic auto-creation; one
 * KafkaTopic per topic of the registry (proto/src/topics.ts) and its dead-letter topic; one KafkaUser per service
 * with exactly the ACLs the registry gives it. Checked here against a transcribed subset of the v1beta2 schema
 * (types, required fields, no unknown fields), and by kubeconform against the real CRDs (src/toolchain.ts).
 */
const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false });
const str = { type: 'string', minLength: 1 };
const int = { type: 'integer', minimum: 1 };
const anyObject = { type: 'object' };
const metadata = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 }, namespace: str, labels: { type: 'object', additionalProperties: { type: 'string' } }, annotations: { type: 'object', additionalProperties: { type: 'string' } } } };
const storage = obj({ type: { enum: ['persistent-claim', 'ephemeral', 'jbod'] }, size: str, deleteClaim: { type: 'boolean' }, class: str }, ['type']);
const listener = obj(
  { name: { type: 'string', pattern: '^[a-z0-9]{1,11}$' }, port: { type: 'integer', minimum: 9092 }, type: { enum: ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'] }, tls: { type: 'boolean' }, authentication: obj({ type: { enum: ['tls', 'scram-sha-512', 'oauth', 'custom'] } }, ['type']), networkPolicyPeers: { type: 'array', items: anyObject } },
  ['name', 'port', 'type', 'tls'],
);
const acl = obj({ resource: obj({ type: { enum: ['topic', 'group', 'cluster', 'transactionalId'] }, name: str, patternType: { enum: ['literal', 'prefix'] } }, ['type']), operations: { type: 'array', minItems: 1, items: { enum: ['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'AlterConfigs', 'DescribeConfigs', 'IdempotentWrite', 'All'] } }, host: str }, ['resource', 'operations']);
const kind = (k: string) => ({ apiVersion: { const: 'kafka.strimzi.io/v1beta2' }, kind: { const: k }, metadata });

export const strimziSchemas: Record<string, object> = {
  Kafka: obj(
    {
      ...kind('Kafka'),
      spec: obj(
        {
          kafka: obj({ version: str, metadataVersion: str, listeners: { type: 'array', minItems: 1, items: listener }, authorization: obj({ type: { enum: ['simple', 'opa', 'keycloak', 'custom'] }, superUsers: { type: 'array', items: str } }, ['type']), config: anyObject }, ['listeners']),
          entityOperator: obj({ topicOperator: anyObject, userOperator: anyObject }),
          kafkaExporter: obj({ topicRegex: str, groupRegex: str, resources: anyObject }),
        },
        ['kafka'],
      ),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
  KafkaNodePool: obj({ ...kind('KafkaNodePool'), spec: obj({ replicas: int, roles: { type: 'array', minItems: 1, items: { enum: ['broker', 'controller'] } }, storage, resources: anyObject }, ['replicas', 'roles', 'storage']) }, ['apiVersion', 'kind', 'metadata', 'spec']),
  KafkaTopic: obj({ ...kind('KafkaTopic'), spec: obj({ topicName: str, partitions: int, replicas: { type: 'integer', minimum: 1, maximum: 32767 }, config: anyObject }, ['partitions', 'replicas']) }, ['apiVersion', 'kind', 'metadata', 'spec']),
  KafkaUser: obj({ ...kind('KafkaUser'), spec: obj({ authentication: obj({ type: { enum: ['tls', 'tls-external', 'scram-sha-512'] } }, ['type']), authorization: obj({ type: { const: 'simple' }, acls: { type: 'array', items: acl } }, ['type', 'acls']) }) }, ['apiVersion', 'kind', 'metadata', 'spec']),
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(strimziSchemas).map(([k, s]) => [k, ajv.compile(s)]));

export function validateStrimzi(doc: { kind: string }): void {
  const validate = validators[doc.kind];
  if (!validate) throw new Error(`no Strimzi schema for ${doc.kind}`);
  if (!validate(doc as object)) throw new Error(`${doc.kind}: ${ajv.errorsText(validate.errors)}`);
}

export const KAFKA_CLUSTER = 'hourglass';
/** The TLS listener every client uses (Strimzi's bootstrap Service serves it). */
export const KAFKA_TLS_PORT = 9093;
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap`;
/** The cluster CA's certificate, published by Strimzi: clients verify the brokers with it. */
export const KAFKA_CA_SECRET = `${KAFKA_CLUSTER}-cluster-ca-cert`;
/** A service's Kafka user (SCRAM user name, KafkaUser name and the Secret with its password). */
export const kafkaUserName = (service: ServiceName) => `${service}-kafka`;
/** Consumer group of each service (notifications' is its KAFKA_CONSUMER_GROUP default). */
export const CONSUMER_GROUP: Record<ServiceName, string> = { sessions: 'sessions', billing: 'billing', notifications: 'notifications' };

export interface Acl {
  resource: { type: 'topic' | 'group' | 'cluster' | 'transactionalId'; name?: string; patternType?: 'literal' | 'prefix' };
  operations: string[];
  host: '*';
}

const producers = (t: (typeof topics)[keyof typeof topics]): ServiceName[] => (Array.isArray(t.producer) ? [...t.producer] : [t.producer as ServiceName]);

/**
 * What a service may do, from the topic registry: describe every topic (it waits for them at start), write the
 * topics it produces (through its outbox relay's transactions, ids `outbox-<service>-…`, idempotent), read the topics
 * it consumes in its own group and write their dead-letter topics. Nothing else: billing cannot be impersonated on
 * `billing.credit.granted.v1` by any other service.
 */
export function aclsOf(service: ServiceName): Acl[] {
  const produced = topicNames.filter((n) => producers(topics[n]).includes(service));
  const consumed = topicNames.filter((n) => (topics[n].consumers as readonly ServiceName[]).includes(service));
  const acls: Acl[] = [{ resource: { type: 'topic', name: '*', patternType: 'literal' }, operations: ['Describe', 'DescribeConfigs'], host: '*' }];
  for (const t of produced) acls.push({ resource: { type: 'topic', name: t, patternType: 'literal' }, operations: ['Write', 'Describe'], host: '*' });
  if (produced.length > 0) {
    acls.push({ resource: { type: 'transactionalId', name: `outbox-${service}-`, patternType: 'prefix' }, operations: ['Write', 'Describe'], host: '*' });
    acls.push({ resource: { type: 'cluster' }, operations: ['IdempotentWrite'], host: '*' });
  }
  for (const t of consumed) {
    acls.push({ resource: { type: 'topic', name: t, patternType: 'literal' }, operations: ['Read', 'Describe'], host: '*' });
    acls.push({ resource: { type: 'topic', name: dlqTopic(t), patternType: 'literal' }, operations: ['Write', 'Describe'], host: '*' });
  }
  if (consumed.length > 0) acls.push({ resource: { type: 'group', name: CONSUMER_GROUP[service], patternType: 'literal' }, operations: ['Read', 'Describe'], host: '*' });
  return acls;
}

export function strimziResources(env: Environment, namespace: string): Array<Record<string, unknown>> {
  const labels = { 'strimzi.io/cluster': KAFKA_CLUSTER };
  const kafka = {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'Kafka',
    metadata: { name: KAFKA_CLUSTER, namespace, annotations: { 'strimzi.io/node-pools': 'enabled', 'strimzi.io/kraft': 'enabled' } },
    spec: {
      kafka: {
        version: '3.9.1',
        metadataVersion: '3.9-IV0',
        // The only listener: TLS, every client a SCRAM user; Strimzi's generated NetworkPolicy admits only pods
        // labelled as Kafka clients (the APIs) besides its own components.
        listeners: [{ name: 'tls', port: KAFKA_TLS_PORT, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' }, networkPolicyPeers: [{ podSelector: { matchLabels: { [KAFKA_CLIENT_LABEL]: 'true' } } }] }],
        authorization: { type: 'simple' },
        config: {
          // Topics come only from KafkaTopic resources; the services wait for them (KAFKA_TOPICS=wait).
          'auto.create.topics.enable': false,
          'offsets.topic.replication.factor': env.kafka.replicationFactor,
          'transaction.state.log.replication.factor': env.kafka.replicationFactor,
          'transaction.state.log.min.isr': env.kafka.minInsync,
          'default.replication.factor': env.kafka.replicationFactor,
          'min.insync.replicas': env.kafka.minInsync,
        },
      },
      entityOperator: { topicOperator: {}, userOperator: {} },
      // Topic offsets and consumer lag as Prometheus metrics: the dead-letter topics' growth is alerted on (monitoring.ts).
      kafkaExporter: { topicRegex: '.*', groupRegex: '.*' },
    },
  };
  const pool = (name: string, role: 'controller' | 'broker', size: Environment['kafka']['brokers']) => ({
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaNodePool',
    metadata: { name, namespace, labels },
    spec: {
      replicas: size.replicas,
      roles: [role],
      storage: { type: 'persistent-claim', size: size.storage, deleteClaim: false },
      resources: { requests: { cpu: size.cpu, memory: size.memory }, limits: { cpu: size.cpuLimit, memory: size.memoryLimit } },
    },
  });
  const topicSpecs = topicNames.flatMap((topic) => [
    { topic, partitions: env.kafka.partitions, retentionMs: 7 * 24 * 3600 * 1000 },
    { topic: dlqTopic(topic), partitions: 1, retentionMs: 30 * 24 * 3600 * 1000 },
  ]);
  return [
    kafka,
    pool('controllers', 'controller', env.kafka.controllers),
    pool('brokers', 'broker', env.kafka.brokers),
    ...topicSpecs.map(({ topic, partitions, retentionMs }) => ({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { name: topic.replace(/_/g, '-').toLowerCase(), namespace, labels },
      spec: { topicName: topic, partitions, replicas: env.kafka.replicationFactor, config: { 'retention.ms': retentionMs, 'min.insync.replicas': env.kafka.minInsync } },
    })),
    ...SERVICES.map((s) => ({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaUser',
      metadata: { name: kafkaUserName(s), namespace, labels },
      spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls: aclsOf(s) } },
    })),
  ];
}
