-- Up Migration
-- Delivery: preferences per user, scheduling and claiming of notifications, a stable message id per notification.
CREATE TABLE preferences (
  user_id             text PRIMARY KEY,
  email               text,
  discord_webhook_url text,
  discord_dead        boolean NOT NULL DEFAULT false,
  -- channels per category, e.g. {"sessions":["discord","email"],"packs":["email"]}; absent category: all channels
  channels            jsonb NOT NULL DEFAULT '{}'::jsonb,
  quiet               boolean NOT NULL DEFAULT false,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
  CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled', 'dead', 'skipped'));
ALTER TABLE notifications ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE notifications ADD COLUMN claimed_at timestamptz;
ALTER TABLE notifications ADD COLUMN message_id text;
ALTER TABLE delivery_attempts ADD COLUMN attempt integer;

-- Down Migration
ALTER TABLE delivery_attempts DROP COLUMN attempt;
ALTER TABLE notifications DROP COLUMN message_id, DROP COLUMN claimed_at, DROP COLUMN next_attempt_at;
DROP TABLE preferences;
