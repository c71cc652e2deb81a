import Ajv from 'ajv';
import { dlqTopic, topicNames } from '@hourglass/proto';
import type { Environment } from './environments';

/**
 * Strimzi resources (kafka.strimzi.io/v1beta2): a KRaft Kafka with one node pool, and one KafkaTopic per topic of
 * the registry (proto/src/topics.ts) plus its dead-letter topic. No npm, PyPI, Go or Maven package ships Strimzi's
 * CRD schemas (the `io.strimzi:api` jar carries Java models only), so these are checked against the subset of the
 * v1beta2 schema we use, transcribed from Strimzi's API reference: types, required fields, no unknown fields.
 */
const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false });
const str = { type: 'string', minLength: 1 };
const int = { type: 'integer', minimum: 1 };
const metadata = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 }, namespace: str, labels: { type: 'object', additionalProperties: { type: 'string' } }, annotations: { type: 'object', additionalProperties: { type: 'string' } } } };
const storage = obj({ type: { enum: ['persistent-claim', 'ephemeral', 'jbod'] }, size: str, deleteClaim: { type: 'boolean' }, class: str }, ['type']);
const listener = obj({ name: { type: 'string', pattern: '^[a-z0-9]{1,11}$' }, port: { type: 'integer', minimum: 9092 }, type: { enum: ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'] }, tls: { type: 'boolean' } }, ['name', 'port', 'type', 'tls']);

export const strimziSchemas: Record<string, object> = {
  Kafka: obj(
    {
      apiVersion: { const: 'kafka.strimzi.io/v1beta2' },
      kind: { const: 'Kafka' },
      metadata,
      spec: obj(
        {
          kafka: obj({ version: str, metadataVersion: str, listeners: { type: 'array', minItems: 1, items: listener }, config: { type: 'object' } }, ['listeners']),
          entityOperator: obj({ topicOperator: { type: 'object' }, userOperator: { type: 'object' } }),
        },
        ['kafka'],
      ),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
  KafkaNodePool: obj(
    {
      apiVersion: { const: 'kafka.strimzi.io/v1beta2' },
      kind: { const: 'KafkaNodePool' },
      metadata,
      spec: obj({ replicas: int, roles: { type: 'array', minItems: 1, items: { enum: ['broker', 'controller'] } }, storage, resources: { type: 'object' } }, ['replicas', 'roles', 'storage']),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
  KafkaTopic: obj(
    {
      apiVersion: { const: 'kafka.strimzi.io/v1beta2' },
      kind: { const: 'KafkaTopic' },
      metadata,
      spec: obj({ topicName: str, partitions: int, replicas: { type: 'integer', minimum: 1, maximum: 32767 }, config: { type: 'object' } }, ['partitions', 'replicas']),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(strimziSchemas).map(([k, s]) => [k, ajv.compile(s)]));

export function validateStrimzi(doc: { kind: string }): void {
  const kind = doc.kind;
  const validate = validators[kind];
  if (!validate) throw new Error(`no Strimzi schema for ${kind}`);
  if (!validate(doc as object)) throw new Error(`${kind}: ${ajv.errorsText(validate.errors)}`);
}

export const KAFKA_CLUSTER = 'hourglass';

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
        listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
        config: {
          'offsets.topic.replication.factor': env.kafka.replicationFactor,
          'transaction.state.log.replication.factor': env.kafka.replicationFactor,
          'transaction.state.log.min.isr': env.kafka.minInsync,
          'default.replication.factor': env.kafka.replicationFactor,
          'min.insync.replicas': env.kafka.minInsync,
        },
      },
      entityOperator: { topicOperator: {}, userOperator: {} },
    },
  };
  const pool = {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaNodePool',
    metadata: { name: 'dual-role', namespace, labels },
    spec: { replicas: env.kafka.replicas, roles: ['controller', 'broker'], storage: { type: 'persistent-claim', size: env.kafka.storage, deleteClaim: false } },
  };
  const topics = topicNames.flatMap((topic) => [
    { topic, partitions: env.kafka.partitions, retentionMs: 7 * 24 * 3600 * 1000 },
    { topic: dlqTopic(topic), partitions: 1, retentionMs: 30 * 24 * 3600 * 1000 },
  ]);
  return [
    kafka,
    pool,
    ...topics.map(({ topic, partitions, retentionMs }) => ({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { name: topic.replace(/_/g, '-').toLowerCase(), namespace, labels },
      spec: { topicName: topic, partitions, replicas: env.kafka.replicationFactor, config: { 'retention.ms': retentionMs, 'min.insync.replicas': env.kafka.minInsync } },
    })),
  ];
}
