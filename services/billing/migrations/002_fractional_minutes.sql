-- Up Migration
-- Plans may give sub-minute lengths (e.g. 0.05 = 3 s) so that real-time tests and demos need not wait whole minutes.
ALTER TABLE plans ALTER COLUMN cooldown_minutes TYPE numeric(8, 3);
ALTER TABLE plans DROP CONSTRAINT IF EXISTS plans_cooldown_minutes_check;
ALTER TABLE plans ADD CONSTRAINT plans_cooldown_minutes_check CHECK (cooldown_minutes >= 0);

-- Down Migration
ALTER TABLE plans ALTER COLUMN cooldown_minutes TYPE integer USING ceil(cooldown_minutes);
