-- Up Migration
-- Plans: limits per billing period, session lengths, cooldown, upload size. Editable by admins.
CREATE TABLE plans (
  id                      text PRIMARY KEY,
  name                    text NOT NULL,
  -- standard: signup credits then paid credits; pay_per_session (seed 002): first session free, then one paid credit each
  mode                    text NOT NULL CHECK (mode IN ('standard', 'pay_per_session')),
  max_sessions_per_period integer CHECK (max_sessions_per_period > 0),
  max_minutes_per_period  integer CHECK (max_minutes_per_period > 0),
  session_minutes         jsonb NOT NULL,
  cooldown_minutes        integer NOT NULL DEFAULT 10 CHECK (cooldown_minutes >= 0),
  max_upload_mb           integer NOT NULL DEFAULT 10 CHECK (max_upload_mb > 0),
  signup_free_credits     integer NOT NULL DEFAULT 3 CHECK (signup_free_credits >= 0),
  period_months           integer NOT NULL DEFAULT 1 CHECK (period_months > 0),
  session_price_cents     integer,
  updated_at              timestamptz NOT NULL DEFAULT now()
);
INSERT INTO plans (id, name, mode, max_sessions_per_period, max_minutes_per_period, session_minutes, cooldown_minutes, signup_free_credits, session_price_cents) VALUES
  ('standard', 'Standard', 'standard', NULL, NULL, '{"freemium":5,"paid":45,"test":45,"pack":60}', 10, 3, 599),
  ('pay_per_session', 'Pay per session', 'pay_per_session', NULL, NULL, '{"freemium":45,"paid":45,"test":45,"pack":60}', 10, 1, 599),
  ('pro', 'Pro', 'standard', 100, 3000, '{"freemium":5,"paid":45,"test":45,"pack":60}', 10, 3, 599);

-- One account per user, created on first sight with the signup grant; holds the current billing period.
CREATE TABLE accounts (
  user_id      text PRIMARY KEY,
  plan_id      text NOT NULL REFERENCES plans (id),
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end > period_start)
);

-- Grants: what a user may spend. `remaining` can never go below zero — the database says so, not the code.
CREATE TABLE credit_grants (
  id         uuid PRIMARY KEY,
  user_id    text NOT NULL REFERENCES accounts (user_id),
  kind       text NOT NULL CHECK (kind IN ('free', 'paid', 'test', 'pack')),
  quantity   integer NOT NULL CHECK (quantity > 0),
  remaining  integer NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
  priority   integer NOT NULL DEFAULT 0,
  expires_at timestamptz,
  source     text NOT NULL CHECK (source IN ('signup', 'payment', 'admin', 'refund')),
  source_ref text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, source_ref)
);
CREATE INDEX credit_grants_spendable ON credit_grants (user_id) WHERE remaining > 0;

-- The audit of every credit move (seed 000's session_audit): append-only.
CREATE TABLE credit_ledger (
  id              uuid PRIMARY KEY,
  user_id         text NOT NULL REFERENCES accounts (user_id),
  grant_id        uuid NOT NULL REFERENCES credit_grants (id),
  delta           integer NOT NULL CHECK (delta <> 0),
  reason          text NOT NULL CHECK (reason IN ('grant', 'consume', 'refund', 'expire', 'revoke')),
  idempotency_key text UNIQUE,
  session_id      text,
  actor           text NOT NULL,
  note            text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, created_at);
CREATE RULE credit_ledger_no_update AS ON UPDATE TO credit_ledger DO INSTEAD NOTHING;
CREATE RULE credit_ledger_no_delete AS ON DELETE TO credit_ledger DO INSTEAD NOTHING;

-- Usage per session, counted toward the billing period the session started in (never all history: seed 003).
CREATE TABLE session_usage (
  session_id  text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES accounts (user_id),
  started_at  timestamptz NOT NULL,
  seconds     integer NOT NULL DEFAULT 0 CHECK (seconds >= 0),
  -- false when the session never ran (its credit was refunded): it does not count toward limits
  counted     boolean NOT NULL DEFAULT true,
  recorded_at timestamptz
);
CREATE INDEX session_usage_user_started ON session_usage (user_id, started_at);

-- Down Migration
DROP TABLE session_usage;
DROP TABLE credit_ledger;
DROP TABLE credit_grants;
DROP TABLE accounts;
DROP TABLE plans;
