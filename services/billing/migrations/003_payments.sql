-- Up Migration
-- The payment inbox: every verified webhook, stored raw before anything is done with it, processed exactly once.
CREATE TABLE payment_events (
  id              uuid PRIMARY KEY,
  provider        text NOT NULL CHECK (provider IN ('stripe', 'paypal', 'woocommerce')),
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  business_key    text,
  action          jsonb NOT NULL,
  raw_body        bytea NOT NULL,
  headers         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('received', 'processed', 'ignored', 'failed', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  outcome         text,
  received_at     timestamptz NOT NULL DEFAULT now(),
  processed_at    timestamptz,
  UNIQUE (provider, event_id)
);
CREATE INDEX payment_events_due ON payment_events (next_attempt_at) WHERE status IN ('received', 'failed');

-- One row per paid thing (order line, capture, payment intent): what it bought and whether it was granted/refunded.
-- A second event for the same business key (new event id, same payment) finds this row and grants nothing.
CREATE TABLE payments (
  provider     text NOT NULL,
  business_key text NOT NULL,
  user_id      text,
  product      jsonb,
  amount_cents integer,
  currency     text,
  status       text NOT NULL CHECK (status IN ('paid', 'refunded')),
  granted      boolean NOT NULL DEFAULT false,
  grant_id     uuid REFERENCES credit_grants (id),
  flagged      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  refunded_at  timestamptz,
  PRIMARY KEY (provider, business_key)
);
CREATE INDEX payments_flagged ON payments (created_at) WHERE flagged IS NOT NULL;

CREATE TABLE checkout_sessions (
  id              text PRIMARY KEY,
  user_id         text NOT NULL,
  product         jsonb NOT NULL,
  amount_cents    integer NOT NULL,
  url             text,
  idempotency_key text NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE checkout_sessions;
DROP TABLE payments;
DROP TABLE payment_events;
