-- Up Migration
-- The start gate in PostgreSQL (it was a per-user workflow): a user's next session is decided in one transaction that
-- locks the user's gate row. The decision is written as a `starting` session row; the credit is then taken from billing
-- and the session's workflow started, and the row becomes `active` — or `abandoned` if the start was given up, in
-- which case billing gives the credit back (sessions.session.abandoned.v1).

-- One row per user who ever started a session: the cooldown after their last session and their auto-start wish.
CREATE TABLE user_gates (
  user_id           text PRIMARY KEY,
  cooldown_until    timestamptz,
  -- The mode of the session to start by itself once the cooldown is over and a credit is there (null: no wish).
  auto_start_mode   text,
  auto_start_set_at timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key → the answer its start got (null while the start is under way). A refused or abandoned start keeps
-- no row: the same key may simply be sent again.
CREATE TABLE start_requests (
  user_id         text NOT NULL,
  idempotency_key text NOT NULL,
  params_hash     text NOT NULL,
  session_id      uuid NOT NULL,
  answer          jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX start_requests_session ON start_requests (session_id);
CREATE INDEX start_requests_created ON start_requests (created_at);

-- A starting row knows only the request; what the credit bought is filled in when it becomes active.
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
  CHECK (status IN ('starting', 'scheduled', 'active', 'ended', 'expired', 'cancelled', 'abandoned'));
ALTER TABLE sessions
  ALTER COLUMN session_type DROP NOT NULL,
  ALTER COLUMN duration_minutes DROP NOT NULL,
  ALTER COLUMN started_at DROP NOT NULL,
  ALTER COLUMN expires_at DROP NOT NULL,
  ALTER COLUMN credit_kind DROP NOT NULL,
  ALTER COLUMN ledger_entry_id DROP NOT NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_begun_complete CHECK (
  status IN ('starting', 'abandoned')
  OR (session_type IS NOT NULL AND duration_minutes IS NOT NULL AND started_at IS NOT NULL AND expires_at IS NOT NULL
      AND credit_kind IS NOT NULL AND ledger_entry_id IS NOT NULL)
);
ALTER TABLE sessions
  -- Who asked: a person over HTTP (`request`: given up when the caller has gone) or the user's auto-start wish (`auto`).
  ADD COLUMN origin           text NOT NULL DEFAULT 'request' CHECK (origin IN ('request', 'auto')),
  ADD COLUMN preferred_kind   text CHECK (preferred_kind IN ('free', 'paid', 'test', 'pack')),
  -- The cooldown the plan imposes once this session is over (null for sessions started before this migration).
  ADD COLUMN cooldown_minutes numeric(8, 3),
  ADD COLUMN abandon_reason   text;

-- The backstop that holds even if code is wrong: at most one starting-or-active session per user.
CREATE UNIQUE INDEX sessions_one_live_per_user ON sessions (user_id) WHERE status IN ('starting', 'active');
-- The sweeper's look-up of starts that never finished.
CREATE INDEX sessions_starting ON sessions (created_at) WHERE status = 'starting';

-- Down Migration
DROP INDEX sessions_starting;
DROP INDEX sessions_one_live_per_user;
DELETE FROM sessions WHERE status IN ('starting', 'abandoned');
ALTER TABLE sessions DROP COLUMN abandon_reason, DROP COLUMN cooldown_minutes, DROP COLUMN preferred_kind, DROP COLUMN origin;
ALTER TABLE sessions DROP CONSTRAINT sessions_begun_complete;
ALTER TABLE sessions
  ALTER COLUMN session_type SET NOT NULL,
  ALTER COLUMN duration_minutes SET NOT NULL,
  ALTER COLUMN started_at SET NOT NULL,
  ALTER COLUMN expires_at SET NOT NULL,
  ALTER COLUMN credit_kind SET NOT NULL,
  ALTER COLUMN ledger_entry_id SET NOT NULL;
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check CHECK (status IN ('scheduled', 'active', 'ended', 'expired', 'cancelled'));
DROP TABLE start_requests;
DROP TABLE user_gates;
