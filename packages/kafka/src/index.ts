export { createKafka, ensureTopics, headersToStrings, securityOptions, type KafkaClient, type KafkaConnectionSecurity } from './client';
export { prepareTopics, waitForTopics, withDeadLetters } from './topics';
export { enqueueEvent, createOutboxRelay, type EnqueueOptions, type OutboxRelay, type OutboxRelayOptions } from './outbox';
export { createIdempotentConsumer, type HandledEvent, type IdempotentConsumer, type IdempotentConsumerOptions } from './consumer';
export { waitForEvent, collectEvents, sendRaw, type ObservedEvent } from './probe';

import path from 'node:path';
/** SQL migrations of the outbox and processed_events tables; run them in every service database (own table). */
export const kafkaMigrationsDir = path.resolve(__dirname, '../migrations');
export { registerOutboxMetrics, registerConsumerLagMetrics } from './metrics';
