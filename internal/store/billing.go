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

// Billing records are kept with the usage reports and vouchers: a report
// moves its execution's last time, run time and amount due forward; a
// voucher that answers a report makes that report's amount paid.
const (
	sqlBillUsage = `INSERT INTO billing_records(role, execution_id, job_id, requester, provider, ended, run_millis, due)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(role, execution_id) DO UPDATE SET ended = MAX(ended, excluded.ended),
			run_millis = MAX(run_millis, excluded.run_millis), due = MAX(due, excluded.due)`
	sqlBillVoucher = `UPDATE billing_records SET paid = MAX(paid, COALESCE((SELECT amount FROM usage_reports
			WHERE role = ?1 AND execution_id = ?2 AND seq = ?3), 0))
		WHERE role = ?1 AND execution_id = ?2`
)

// sqlBilling reads the records in a window with their spec, from the job
// (requester) or the execution (provider). %s is the table and key.
const sqlBilling = `
SELECT b.execution_id, b.job_id, b.requester, b.provider, b.ended, b.run_millis, b.due, b.paid,
	COALESCE(json_extract(x.spec, '$.spec'), ''), COALESCE(json_extract(x.spec, '$.resources.cpu'), ''),
	COALESCE(json_extract(x.spec, '$.resources.memory'), ''), COALESCE(json_extract(x.spec, '$.resources.gpus'), 0)
FROM billing_records b LEFT JOIN %s x ON x.id = b.%s
WHERE b.role = ? AND b.ended >= ? AND b.ended < ?
ORDER BY b.ended, b.execution_id`

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
