-- Payments held for verification: the final usage report of a verified
-- task's run (the job's own, each validator's) is recorded as any report
-- but not paid until the verification decides, on both sides (role).
-- state is held (not decided yet), released (paid since) or withheld
-- (the runner lost: never paid). A channel's vouchers are its usage total
-- less its held and withheld amounts.
CREATE TABLE IF NOT EXISTS verify_holds (
    role         TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    node         TEXT NOT NULL DEFAULT '',
    requester    TEXT NOT NULL,
    provider     TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    state        TEXT NOT NULL,
    at           INTEGER NOT NULL,
    decided_at   INTEGER NOT NULL DEFAULT 0,
    -- archived_escrow names the escrow of an archived channel (see
    -- ArchiveChannels): its amounts no longer count.
    archived_escrow TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (role, execution_id)
);
CREATE INDEX IF NOT EXISTS verify_holds_job ON verify_holds(role, job_id);
CREATE INDEX IF NOT EXISTS verify_holds_channel ON verify_holds(role, requester, provider, state);
