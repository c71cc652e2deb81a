import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenMessage } from '@bufbuild/protobuf/codegenv2';
import {
  CreditConsumedSchema,
  CreditGrantedSchema,
  CreditRefundedSchema,
  ExtensionPaidSchema,
  PackPaidSchema,
  UsageRecordedSchema,
} from '../gen/hourglass/billing/v1/billing_pb';
import { NotificationRequestedSchema } from '../gen/hourglass/notifications/v1/notifications_pb';
import { ExtensionRejectedSchema, PackChangedSchema, SessionAbandonedSchema, SessionEndedSchema, SessionExtendedSchema, SessionStartedSchema } from '../gen/hourglass/sessions/v1/sessions_pb';

type Service = 'sessions' | 'billing' | 'notifications';

interface TopicSpec<S extends DescMessage> {
  schema: S;
  /** Message field whose value is the Kafka key: events of one aggregate stay in order on one partition. */
  key: string;
  producer: Service | Service[];
  consumers: Service[];
  partitions: number;
  description: string;
}

const topic = <S extends DescMessage>(spec: TopicSpec<S>) => spec;

/**
 * Every topic, its one message type, its key and who writes and reads it. The single source of truth: producers,
 * consumers, topic creation and the event catalog (docs/events.md) all read this.
 */
export const topics = {
  'sessions.session.started.v1': topic({ schema: SessionStartedSchema, key: 'sessionId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'A session started (by hand or auto-start).' }),
  'sessions.session.ended.v1': topic({ schema: SessionEndedSchema, key: 'sessionId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'A session ended, expired or was cancelled.' }),
  'sessions.session.extended.v1': topic({ schema: SessionExtendedSchema, key: 'sessionId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'A paid extension moved a session deadline.' }),
  'sessions.session.abandoned.v1': topic({ schema: SessionAbandonedSchema, key: 'sessionId', producer: 'sessions', consumers: ['billing'], partitions: 3, description: 'A start was decided but never began: billing gives back (or never takes) its credit.' }),
  'sessions.pack.created.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'A mentorship pack was created; its seat is held.' }),
  'sessions.pack.completed_session.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'One session of a pack was completed (once per session).' }),
  'sessions.pack.depleted.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'The last session of a pack was completed.' }),
  'sessions.pack.grace_started.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'The seat is held for the grace period (72 h by default).' }),
  'sessions.pack.renewed.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'A new pack for the same student and mentor took over the seat.' }),
  'sessions.pack.seat_released.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'The seat was released (grace over, no scheduled session left).' }),
  'sessions.pack.expired.v1': topic({ schema: PackChangedSchema, key: 'packId', producer: 'sessions', consumers: ['notifications'], partitions: 3, description: 'The pack reached its end date.' }),
  'sessions.extension.rejected.v1': topic({ schema: ExtensionRejectedSchema, key: 'sessionId', producer: 'sessions', consumers: ['billing'], partitions: 3, description: 'A paid extension could not be applied (the session had ended): billing refunds the payment (never a credit) and tells the payer.' }),
  'billing.credit.granted.v1': topic({ schema: CreditGrantedSchema, key: 'userId', producer: 'billing', consumers: ['sessions', 'notifications'], partitions: 3, description: 'Credits were granted (signup, payment, admin); a payment carries its amount and the payer\'s email (notifications: "Payment received").' }),
  'billing.credit.consumed.v1': topic({ schema: CreditConsumedSchema, key: 'userId', producer: 'billing', consumers: [], partitions: 3, description: 'One credit paid for a session.' }),
  'billing.credit.refunded.v1': topic({ schema: CreditRefundedSchema, key: 'userId', producer: 'billing', consumers: ['notifications'], partitions: 3, description: 'A credit was given back or a payment refunded; a payment refund carries the money that went back (notifications: "Payment refunded").' }),
  'billing.extension.paid.v1': topic({ schema: ExtensionPaidSchema, key: 'sessionId', producer: 'billing', consumers: ['sessions'], partitions: 3, description: 'Minutes were paid for one session.' }),
  'billing.pack.paid.v1': topic({ schema: PackPaidSchema, key: 'userId', producer: 'billing', consumers: ['sessions'], partitions: 3, description: 'A mentorship pack was paid: sessions creates it (once per payment).' }),
  'billing.usage.recorded.v1': topic({ schema: UsageRecordedSchema, key: 'userId', producer: 'billing', consumers: [], partitions: 3, description: "A finished session's seconds counted in its billing period." }),
  'notifications.requested.v1': topic({ schema: NotificationRequestedSchema, key: 'recipientUserId', producer: ['sessions', 'billing'], consumers: ['notifications'], partitions: 3, description: 'Any service asks for a message to a user.' }),
} as const;

export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type SchemaOf<T extends TopicName> = Topics[T]['schema'];
/** The decoded message of a topic. */
export type EventOf<T extends TopicName> = MessageShape<SchemaOf<T>>;
/** What a producer passes: a plain object, fields optional as in protobuf-es `create`. */
export type EventInit<T extends TopicName> = MessageInitShape<SchemaOf<T>>;

export const topicNames = Object.keys(topics) as TopicName[];

export function isTopicName(name: string): name is TopicName {
  return Object.prototype.hasOwnProperty.call(topics, name);
}

export const dlqTopic = (name: string) => `${name}.dlq`;

function schemaOf<T extends TopicName>(name: T): GenMessage<EventOf<T>> {
  return topics[name].schema as unknown as GenMessage<EventOf<T>>;
}

export function createEvent<T extends TopicName>(name: T, init: EventInit<T>): EventOf<T> {
  return create(schemaOf(name), init as never);
}

export function encodeEvent<T extends TopicName>(name: T, init: EventInit<T> | EventOf<T>): Uint8Array {
  return toBinary(schemaOf(name), createEvent(name, init as EventInit<T>));
}

/** Decodes strictly: bytes that are not a valid message of the topic's type throw (the consumer dead-letters them). */
export function decodeEvent<T extends TopicName>(name: T, bytes: Uint8Array): EventOf<T> {
  return fromBinary(schemaOf(name), bytes);
}

/** The Kafka key of an event: the value of the topic's key field. */
export function keyOf<T extends TopicName>(name: T, event: EventOf<T> | EventInit<T>): string {
  const value = (event as Record<string, unknown>)[topics[name].key];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`event for ${name} has no ${topics[name].key}`);
  return value;
}
