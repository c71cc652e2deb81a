-- Up Migration
-- Sessions whose start was abandoned (the caller left, or the start failed half-way). The sessions service says so
-- durably (sessions.session.abandoned.v1); the credit taken for such a session is given back, and if the consumption
-- request is still on its way it finds this row and takes nothing. Both happen under the user's account lock, so the
-- outcome is the same whichever arrives first.
CREATE TABLE session_voids (
  session_id text PRIMARY KEY,
  user_id    text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE session_voids;
