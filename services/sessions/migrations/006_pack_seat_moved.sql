-- Up Migration
-- A renewed pack handed its seat to the pack that renewed it: its seat is `moved` (to renewed_by), its grace over.
ALTER TABLE packs DROP CONSTRAINT packs_seat_status_check;
ALTER TABLE packs ADD CONSTRAINT packs_seat_status_check CHECK (seat_status IN ('held', 'grace', 'released', 'moved'));
UPDATE packs SET seat_status = 'moved', grace_ends_at = NULL WHERE status = 'renewed';

-- Down Migration
UPDATE packs SET seat_status = 'held' WHERE seat_status = 'moved';
ALTER TABLE packs DROP CONSTRAINT packs_seat_status_check;
ALTER TABLE packs ADD CONSTRAINT packs_seat_status_check CHECK (seat_status IN ('held', 'grace', 'released'));
