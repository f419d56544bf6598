-- Each channel keeps its usage total (the sum over its executions of their
-- latest report's amount due) up to date as reports arrive, instead of
-- summing every report ever received on each new one.
ALTER TABLE pay_channels ADD COLUMN usage_total INTEGER NOT NULL DEFAULT 0;
INSERT INTO pay_channels(role, requester, provider, updated_at)
	SELECT role, requester, provider, MAX(at) FROM usage_reports WHERE archived_escrow = ''
	GROUP BY role, requester, provider
	ON CONFLICT(role, requester, provider) DO NOTHING;
UPDATE pay_channels SET usage_total = (SELECT COALESCE(SUM(u.amount), 0) FROM usage_reports u
	WHERE u.role = pay_channels.role AND u.requester = pay_channels.requester
	AND u.provider = pay_channels.provider AND u.archived_escrow = ''
	AND u.seq = (SELECT MAX(v.seq) FROM usage_reports v WHERE v.role = u.role AND v.execution_id = u.execution_id));
