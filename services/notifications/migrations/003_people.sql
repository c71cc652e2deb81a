-- Up Migration
-- How people read times: their time zone and locale. When a Discord webhook died (it stays dead until a new URL).
ALTER TABLE preferences ADD COLUMN time_zone text;
ALTER TABLE preferences ADD COLUMN locale text;
ALTER TABLE preferences ADD COLUMN discord_dead_at timestamptz;
UPDATE preferences SET discord_dead_at = updated_at WHERE discord_dead;

-- A message may go by several channels (both chosen): which ones it already reached, so a retry sends only the rest.
ALTER TABLE notifications ADD COLUMN channels_done text[] NOT NULL DEFAULT '{}';
UPDATE notifications SET channels_done = ARRAY[channel] WHERE status = 'delivered' AND channel IS NOT NULL;
CREATE INDEX notifications_source_event ON notifications (source_event_id);
CREATE INDEX notifications_created ON notifications (created_at DESC, id DESC);

-- Email addresses learnt from payments (the payer's, as the provider knows it), for users who never set preferences:
-- what always goes by email (payments) still reaches them.
CREATE TABLE contacts (
  user_id    text PRIMARY KEY,
  email      text NOT NULL,
  source     text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who else takes part in a live session (from sessions.session.started.v1), so they hear of it as the owner does.
CREATE TABLE session_participants (
  session_id text NOT NULL,
  user_id    text NOT NULL,
  PRIMARY KEY (session_id, user_id)
);

-- Down Migration
DROP TABLE session_participants;
DROP TABLE contacts;
DROP INDEX notifications_created;
DROP INDEX notifications_source_event;
ALTER TABLE notifications DROP COLUMN channels_done;
ALTER TABLE preferences DROP COLUMN discord_dead_at, DROP COLUMN locale, DROP COLUMN time_zone;
