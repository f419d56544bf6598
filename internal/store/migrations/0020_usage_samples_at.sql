-- The dashboard's utilisation chart reads the usage samples of a window
-- (store.UsageSummaries): by time, whatever the execution.
CREATE INDEX IF NOT EXISTS usage_samples_at ON usage_samples(at);
