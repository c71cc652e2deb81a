-- Up Migration
-- Transactional outbox: a service writes its state change and the event in one transaction; the relay publishes.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  topic        text NOT NULL,
  key          text NOT NULL,
  payload      bytea NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Idempotent consumers: an event's effect is applied once per consumer group, in the same transaction as the effect.
CREATE TABLE processed_events (
  consumer_group text NOT NULL,
  event_id       uuid NOT NULL,
  topic          text NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Down Migration
DROP TABLE processed_events;
DROP TABLE outbox;
