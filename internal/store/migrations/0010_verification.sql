-- A verified job's validator runs are rows of their own naming the job as
-- parent, with role 'validator' (a multi-task job's task rows have role
-- ''). Their commit-reveal is kept per execution on both sides: the
-- runner's commitment, its opening (secret to the runner until it
-- reveals) and its signed receipt. The requester keeps the record of each
-- verification: its runs, outcome, verdicts and cost.
ALTER TABLE jobs ADD COLUMN role TEXT NOT NULL DEFAULT '';
CREATE TABLE commitments (
	execution_id TEXT PRIMARY KEY,
	job_id TEXT NOT NULL,
	commitment TEXT NOT NULL,
	opening TEXT NOT NULL DEFAULT '',
	receipt TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX commitments_job ON commitments(job_id);
CREATE TABLE verifications (
	job_id TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
