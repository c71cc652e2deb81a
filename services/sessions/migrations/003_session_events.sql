-- Up Migration
-- Realtime: every change a participant should see, numbered per session. SSE streams read from here (replay from
-- Last-Event-ID) and learn of new rows through NOTIFY 'session_events' — on every replica.
CREATE TABLE session_events (
  session_id uuid NOT NULL,
  version    integer NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, version)
);

-- Down Migration
DROP TABLE session_events;
