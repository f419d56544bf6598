package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
)

// sqlBilling derives each execution's machine-hour record from its usage
// reports (run time and amount due, as the provider signed them) and the
// vouchers that answered them; the spec comes from the job (requester) or
// the execution (provider). %s is the table and key the spec is read from.
const sqlBilling = `
WITH e AS (
	SELECT u.execution_id AS execution_id, MIN(u.job_id) AS job_id, MIN(u.requester) AS requester, MIN(u.provider) AS provider,
		MAX(u.at) AS ended, MAX(u.run_millis) AS ms, MAX(u.amount) AS due,
		MAX(CASE WHEN v.seq IS NULL THEN 0 ELSE u.amount END) AS paid
	FROM usage_reports u
	LEFT JOIN vouchers v ON v.role = u.role AND v.execution_id = u.execution_id AND v.seq = u.seq
	WHERE u.role = ?
	GROUP BY u.execution_id
)
SELECT e.execution_id, e.job_id, e.requester, e.provider, e.ended, e.ms, e.due, e.paid,
	COALESCE(json_extract(x.spec, '$.spec'), ''), COALESCE(json_extract(x.spec, '$.resources.cpu'), ''),
	COALESCE(json_extract(x.spec, '$.resources.memory'), ''), COALESCE(json_extract(x.spec, '$.resources.gpus'), 0)
FROM e LEFT JOIN %s x ON x.id = e.%s
WHERE e.ended >= ? AND e.ended < ?
ORDER BY e.ended, e.execution_id`

// BillingRecords are the machine-hour records of the executions this node
// ran (RoleProvider) or bought (RoleRequester) whose last report falls in
// [from, to).
func (s *Store) BillingRecords(ctx context.Context, role Role, from, to time.Time) ([]operator.Record, error) {
	table, key := "jobs", "job_id"
	if role == RoleProvider {
		table, key = "executions", "execution_id"
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(sqlBilling, table, key), string(role), from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("billing records: %w", err)
	}
	defer rows.Close()
	var out []operator.Record
	for rows.Next() {
		var r operator.Record
		var req, prov, spec string
		var cpu, mem sql.RawBytes
		var ended, ms, due, paid, gpus int64
		if err := rows.Scan(&r.ExecutionID, &r.JobID, &req, &prov, &ended, &ms, &due, &paid, &spec, &cpu, &mem, &gpus); err != nil {
			return nil, err
		}
		r.Requester, _ = identity.ParseAddress(req)
		r.Provider, _ = identity.ParseAddress(prov)
		r.End = time.Unix(0, ended).UTC()
		r.RunMillis = uint64(ms)
		r.Start = r.End.Add(-time.Duration(ms) * time.Millisecond)
		r.Due, r.Paid = money.Amount(due), money.Amount(paid)
		r.Spec = spec
		if spec == "" {
			r.Spec = fmt.Sprintf("%scpu-%s", cpu, mem)
			if gpus > 0 {
				r.Spec += fmt.Sprintf("-%dgpu", gpus)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
