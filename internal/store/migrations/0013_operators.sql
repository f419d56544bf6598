-- Operators' signed policies this node knows (the latest of each operator,
-- as its signed JSON: the store does not read it), and, for billing, the
-- machine-hour records of executions this node ran or bought.
CREATE TABLE IF NOT EXISTS operator_policies (
	operator TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body TEXT NOT NULL
);
