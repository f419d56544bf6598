-- Operators' signed policies this node knows (the latest of each operator,
-- as its signed JSON: the store does not read it), and, for billing, the
-- machine-hour records of executions this node ran or bought.
CREATE TABLE IF NOT EXISTS operator_policies (
	operator TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body TEXT NOT NULL
);

-- Billing: one machine-hour record per execution, kept as its usage
-- reports and vouchers arrive: the last report's time, run time and
-- amount due, and what the vouchers that answered its reports paid.
CREATE TABLE IF NOT EXISTS billing_records (
	role TEXT NOT NULL,
	execution_id TEXT NOT NULL,
	job_id TEXT NOT NULL,
	requester TEXT NOT NULL,
	provider TEXT NOT NULL,
	ended INTEGER NOT NULL,
	run_millis INTEGER NOT NULL,
	due INTEGER NOT NULL,
	paid INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (role, execution_id)
);
CREATE INDEX IF NOT EXISTS billing_records_ended ON billing_records(role, ended);
INSERT OR IGNORE INTO billing_records(role, execution_id, job_id, requester, provider, ended, run_millis, due, paid)
	SELECT u.role, u.execution_id, MIN(u.job_id), MIN(u.requester), MIN(u.provider), MAX(u.at), MAX(u.run_millis), MAX(u.amount),
		MAX(CASE WHEN v.seq IS NULL THEN 0 ELSE u.amount END)
	FROM usage_reports u
	LEFT JOIN vouchers v ON v.role = u.role AND v.execution_id = u.execution_id AND v.seq = u.seq
	GROUP BY u.role, u.execution_id;
