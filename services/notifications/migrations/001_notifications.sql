-- Up Migration
-- Every notification is stored first (one row per dedupe key), then delivered; each delivery attempt is logged.
CREATE TABLE notifications (
  id              uuid PRIMARY KEY,
  user_id         text NOT NULL,
  template_id     text NOT NULL,
  data            jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key      text NOT NULL UNIQUE,
  channel         text,
  status          text NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead')),
  not_before      timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  source_event_id uuid,
  source_topic    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_due ON notifications (coalesce(not_before, created_at)) WHERE status = 'pending';

CREATE TABLE delivery_attempts (
  id              bigserial PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notifications (id),
  channel         text NOT NULL,
  status          text NOT NULL,
  response_code   text,
  error           text,
  attempted_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE delivery_attempts;
DROP TABLE notifications;
