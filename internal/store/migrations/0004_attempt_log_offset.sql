-- Where each attempt's logs start in the job's log (a reattaching requester
-- asks the provider for the current attempt's logs from its own offset).
ALTER TABLE attempts ADD COLUMN log_offset INTEGER NOT NULL DEFAULT 0;
