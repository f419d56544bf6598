-- Pay-per-request services this node serves as a provider: what
-- `deco service register` was given (terms, and the local endpoint or
-- the service job and port that serves it), so that a restarted node
-- serves them again and gossips their offers. A removed service's row is
-- deleted.
CREATE TABLE IF NOT EXISTS service_registrations (
    name         TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    price        INTEGER NOT NULL,
    unit_price   INTEGER NOT NULL DEFAULT 0,
    max_units    INTEGER NOT NULL DEFAULT 0,
    verification TEXT NOT NULL,
    endpoint     TEXT NOT NULL DEFAULT '',
    job_id       TEXT NOT NULL DEFAULT '',
    port         TEXT NOT NULL DEFAULT '',
    added_at     INTEGER NOT NULL
);
