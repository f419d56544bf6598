-- The jobs list (store.ListJobs: a requester's own jobs, newest first,
-- all states or one) reads the newest rows from an index instead of
-- sorting every job: the dashboard's jobs page with 10,000 jobs.
CREATE INDEX IF NOT EXISTS jobs_listing ON jobs(parent_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_state_listing ON jobs(parent_id, state, created_at DESC, id DESC);
-- A job found by its ID or a prefix of it (store.FindJob: parent_id = ''
-- and an ID range) is a range of this index, not a scan of every job.
CREATE INDEX IF NOT EXISTS jobs_find ON jobs(parent_id, id);
