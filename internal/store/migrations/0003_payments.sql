-- Pay as you go. role is 'provider' (this node sold the execution) or
-- 'requester' (this node bought it); one node may be both.
-- Usage reports: sent (provider) or accepted (requester), per execution.
CREATE TABLE usage_reports (
    role         TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    requester    TEXT NOT NULL,
    provider     TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    run_millis   INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    final        INTEGER NOT NULL DEFAULT 0,
    signature    BLOB NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (role, execution_id, seq)
);
CREATE INDEX usage_reports_channel ON usage_reports(role, requester, provider);
-- Vouchers: signed (requester) or received (provider), each answering one
-- report of one execution.
CREATE TABLE vouchers (
    role         TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    requester    TEXT NOT NULL,
    provider     TEXT NOT NULL,
    cumulative   INTEGER NOT NULL,
    signature    BLOB NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (role, execution_id, seq)
);
-- Channels: the latest voucher of each channel and what of it was redeemed.
CREATE TABLE pay_channels (
    role       TEXT NOT NULL,
    requester  TEXT NOT NULL,
    provider   TEXT NOT NULL,
    cumulative INTEGER NOT NULL DEFAULT 0,
    signature  BLOB,
    redeemed   INTEGER NOT NULL DEFAULT 0,
    -- written_off (provider): usage reported but never paid, given up
    -- when its execution ended.
    written_off INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (role, requester, provider)
);
-- Redeem transactions a provider sent.
CREATE TABLE redeems (
    tx         TEXT PRIMARY KEY,
    requester  TEXT NOT NULL,
    provider   TEXT NOT NULL,
    cumulative INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    owed       INTEGER NOT NULL DEFAULT 0,
    gas_used   INTEGER NOT NULL,
    block      INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
