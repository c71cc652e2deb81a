-- Up Migration
-- Files shared in a session (seed 004). The bytes live in a storage adapter under storage_key; a row exists only
-- for an object that was stored completely, and an object whose row could not be written is deleted.
CREATE TABLE session_files (
  id           uuid PRIMARY KEY,
  session_id   uuid NOT NULL REFERENCES sessions (id),
  uploaded_by  text NOT NULL,
  filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
  storage_key  text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_files_session ON session_files (session_id, created_at);

-- Down Migration
DROP TABLE session_files;
