-- Up Migration
-- Signed events that cannot be applied are recorded as `unprocessable` (for a person), not failed towards dead.
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status_check;
ALTER TABLE payment_events ADD CONSTRAINT payment_events_status_check
  CHECK (status IN ('received', 'processed', 'ignored', 'unprocessable', 'failed', 'dead'));
-- Who the event is about, when it says (paid events): admins find a user's payment events.
ALTER TABLE payment_events ADD COLUMN user_id text;
UPDATE payment_events SET user_id = action->>'userId' WHERE action ? 'userId';
CREATE INDEX payment_events_user ON payment_events (user_id, received_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX payment_events_business_key ON payment_events (business_key);
CREATE INDEX payment_events_received ON payment_events (received_at DESC, id DESC);

-- Partial refunds: how much of a payment went back so far, and how many of its credits that accounts for.
ALTER TABLE payments ADD COLUMN refunded_cents integer NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0);
ALTER TABLE payments ADD COLUMN fully_refunded boolean NOT NULL DEFAULT false;
-- Refunds known one by one (PayPal refunds without a running total), by refund id: each counts once.
ALTER TABLE payments ADD COLUMN refund_parts jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE payments ADD COLUMN credits_reversed integer NOT NULL DEFAULT 0 CHECK (credits_reversed >= 0);
ALTER TABLE payments ADD COLUMN payer_email text;
UPDATE payments SET fully_refunded = true WHERE status = 'refunded';
UPDATE payments SET credits_reversed = (product->>'quantity')::int
  WHERE status = 'refunded' AND granted AND product->>'kind' = 'session_credits';

-- Money Hourglass gives back by itself (a paid extension that could not be applied, a pack that cannot be
-- delivered): one per payment, issued through the provider's API where there is one, else left for a person.
CREATE TABLE refund_requests (
  id                 uuid PRIMARY KEY,
  provider           text NOT NULL,
  business_key       text NOT NULL,
  user_id            text,
  amount_cents       integer NOT NULL CHECK (amount_cents >= 0),
  currency           text NOT NULL,
  reason             text NOT NULL,
  status             text NOT NULL CHECK (status IN ('pending', 'issued', 'manual', 'failed')),
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  provider_refund_id text,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, business_key)
);
CREATE INDEX refund_requests_due ON refund_requests (next_attempt_at) WHERE status = 'pending';

-- Checkouts: an Idempotency-Key belongs to one request (user, provider, key); the body it came with is remembered,
-- so the same key with another body is refused instead of silently making a second checkout.
ALTER TABLE checkout_sessions ADD COLUMN provider text NOT NULL DEFAULT 'stripe';
ALTER TABLE checkout_sessions ADD COLUMN request_fingerprint text;

-- Down Migration
ALTER TABLE checkout_sessions DROP COLUMN request_fingerprint, DROP COLUMN provider;
DROP TABLE refund_requests;
ALTER TABLE payments DROP COLUMN payer_email, DROP COLUMN credits_reversed, DROP COLUMN refund_parts, DROP COLUMN fully_refunded, DROP COLUMN refunded_cents;
DROP INDEX payment_events_received;
DROP INDEX payment_events_business_key;
DROP INDEX payment_events_user;
ALTER TABLE payment_events DROP COLUMN user_id;
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status_check;
ALTER TABLE payment_events ADD CONSTRAINT payment_events_status_check
  CHECK (status IN ('received', 'processed', 'ignored', 'failed', 'dead'));
