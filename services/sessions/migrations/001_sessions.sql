-- Up Migration
-- The read model of sessions. Written only by the sessions worker's activities (driven by SessionWorkflow), read by
-- the API. Rows are committed before the API answers, so a GET right after a 201 always finds the session.
CREATE TABLE sessions (
  id                    uuid PRIMARY KEY,
  user_id               text NOT NULL,
  participant_id        text,
  mode                  text NOT NULL,
  session_type          text NOT NULL CHECK (session_type IN ('freemium', 'paid', 'test', 'pack')),
  status                text NOT NULL CHECK (status IN ('scheduled', 'active', 'ended', 'expired', 'cancelled')),
  duration_minutes      integer NOT NULL CHECK (duration_minutes > 0),
  started_at            timestamptz NOT NULL,
  expires_at            timestamptz NOT NULL,
  ended_at              timestamptz,
  duration_used_seconds integer CHECK (duration_used_seconds >= 0),
  auto_started          boolean NOT NULL DEFAULT false,
  credit_kind           text NOT NULL,
  ledger_entry_id       text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (expires_at > started_at)
);
CREATE INDEX sessions_user_started ON sessions (user_id, started_at DESC);
CREATE INDEX sessions_participant ON sessions (participant_id) WHERE participant_id IS NOT NULL;

-- Down Migration
DROP TABLE sessions;
