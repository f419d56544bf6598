-- Bookings, the provider's side: one row per reservation execution (a task
-- of a job of kind booking), the capacity it holds from started_at to
-- ends_at for its requester. ended_at is set when it ends (its deadline,
-- a cancel); a row with none is still held, and is taken up again when the
-- daemon restarts.
CREATE TABLE IF NOT EXISTS reservations (
    execution_id TEXT PRIMARY KEY,
    booking      TEXT NOT NULL,
    requester    TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX IF NOT EXISTS reservations_booking ON reservations(booking);
