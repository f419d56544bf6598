-- Pay-per-request services: what each channel's service requests came to,
-- per service, on either side (role 'provider': served; 'requester':
-- asked through this node's proxy). What they cost is also counted in the
-- channel's usage_total, so that job vouchers and service vouchers on one
-- channel sign one cumulative total.
CREATE TABLE IF NOT EXISTS service_calls (
    role       TEXT NOT NULL,
    service    TEXT NOT NULL,
    requester  TEXT NOT NULL,
    provider   TEXT NOT NULL,
    requests   INTEGER NOT NULL DEFAULT 0,
    charged    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (role, service, requester, provider)
);
