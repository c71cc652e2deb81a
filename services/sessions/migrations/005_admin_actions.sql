-- Up Migration
-- Every operator action taken through the sessions service, with who and why (the console requires a reason).
CREATE TABLE admin_actions (
  id          uuid PRIMARY KEY,
  admin_id    text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_actions_target ON admin_actions (target_type, target_id, created_at DESC);
-- The audit trail is append-only.
CREATE RULE admin_actions_no_update AS ON UPDATE TO admin_actions DO INSTEAD NOTHING;
CREATE RULE admin_actions_no_delete AS ON DELETE TO admin_actions DO INSTEAD NOTHING;

-- Down Migration
DROP TABLE admin_actions;
