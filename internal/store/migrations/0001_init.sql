-- Settings: small JSON documents by key (offer policy, share, prices).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Jobs a requester submitted, with their placement and outcome.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    spec          TEXT NOT NULL,
    spec_digest   TEXT NOT NULL,
    state         TEXT NOT NULL,
    provider      TEXT NOT NULL DEFAULT '',
    execution_id  TEXT NOT NULL DEFAULT '',
    placement     TEXT NOT NULL DEFAULT '',
    exit_code     INTEGER,
    error         TEXT NOT NULL DEFAULT '',
    result_digest TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX jobs_state ON jobs(state);

-- Every state change of a job, in order.
CREATE TABLE job_events (
    job_id  TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    state   TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, seq)
);

-- Executions this node ran as a provider.
CREATE TABLE executions (
    id            TEXT PRIMARY KEY,
    job_id        TEXT NOT NULL,
    task_index    INTEGER NOT NULL,
    requester     TEXT NOT NULL,
    spec          TEXT NOT NULL,
    state         TEXT NOT NULL,
    exit_code     INTEGER,
    error         TEXT NOT NULL DEFAULT '',
    result_digest TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX executions_state ON executions(state);

-- Offers seen on the network (the catalog survives restarts until expiry).
CREATE TABLE offers (
    node       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
