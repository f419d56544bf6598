-- Proof of time-lock: every interval's signed attestation of a service job
-- or booking, on both sides (role), with what the requester concluded of
-- it (verdict, reason) and the payment withheld for it. A channel's
-- withheld total is the sum of its rows' withheld.
CREATE TABLE IF NOT EXISTS timelock_attestations (
    role         TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    job_id       TEXT NOT NULL,
    requester    TEXT NOT NULL,
    provider     TEXT NOT NULL,
    start_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    verdict      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    withheld     INTEGER NOT NULL DEFAULT 0,
    attestation  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    -- archived_escrow names the escrow of an archived channel (see
    -- ArchiveChannels): its withheld amounts no longer count.
    archived_escrow TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (role, execution_id, idx)
);
CREATE INDEX IF NOT EXISTS timelock_attestations_job ON timelock_attestations(role, job_id, execution_id, idx);
CREATE INDEX IF NOT EXISTS timelock_attestations_channel ON timelock_attestations(role, requester, provider);
