-- Up Migration
-- Mentors and their seat capacity; packs (read model of SessionPackWorkflow) and the sessions scheduled in them.
CREATE TABLE mentors (
  id            text PRIMARY KEY,
  seat_capacity integer NOT NULL DEFAULT 5 CHECK (seat_capacity >= 0),
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE packs (
  id                 uuid PRIMARY KEY,
  student_id         text NOT NULL,
  mentor_id          text NOT NULL REFERENCES mentors (id),
  status             text NOT NULL CHECK (status IN ('active', 'depleted', 'grace', 'renewed', 'expired', 'released')),
  seat_status        text NOT NULL CHECK (seat_status IN ('held', 'grace', 'released')),
  total_sessions     integer NOT NULL CHECK (total_sessions > 0),
  remaining_sessions integer NOT NULL CHECK (remaining_sessions >= 0),
  completed_sessions integer NOT NULL DEFAULT 0,
  grace_ends_at      timestamptz,
  renewed_by         uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- A seat is taken by every pack that holds it and has not handed it on (renewed) or let it go (released).
CREATE INDEX packs_mentor_seats ON packs (mentor_id) WHERE seat_status <> 'released' AND status <> 'renewed';
CREATE INDEX packs_student ON packs (student_id);

CREATE TABLE pack_sessions (
  id           uuid PRIMARY KEY,
  pack_id      uuid NOT NULL REFERENCES packs (id),
  scheduled_at timestamptz NOT NULL,
  status       text NOT NULL CHECK (status IN ('scheduled', 'completed', 'cancelled')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX pack_sessions_pack ON pack_sessions (pack_id);

-- Which pack events were already emitted (the activity may run again after a crash).
CREATE TABLE pack_events_emitted (
  pack_id   uuid NOT NULL,
  event_key text NOT NULL,
  PRIMARY KEY (pack_id, event_key)
);

-- Down Migration
DROP TABLE pack_events_emitted;
DROP TABLE pack_sessions;
DROP TABLE packs;
DROP TABLE mentors;
