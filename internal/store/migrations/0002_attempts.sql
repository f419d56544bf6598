-- Every execution a requester started for a job: retries are new attempts,
-- and failed ones stay in the history.
CREATE TABLE attempts (
    execution_id TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    provider     TEXT NOT NULL,
    state        TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    deal         TEXT NOT NULL DEFAULT '',
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX attempts_job ON attempts(job_id, seq);
