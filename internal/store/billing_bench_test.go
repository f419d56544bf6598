package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/operator"
)

// BenchmarkBillingStatement: the requester's statement by spec over
// 1,000,000 usage reports (100,000 executions of 10 reports, each report
// answered by a voucher, on 4 specs): the machine-hour records from the
// store and their sums. Target: under 1 s.
func BenchmarkBillingStatement(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/deco.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const executions, reports = 100_000, 10
	at := time.Unix(1700000000, 0).UnixNano()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	insJob, _ := tx.Prepare(`INSERT INTO jobs(id, spec, spec_digest, state, execution_id, created_at, updated_at) VALUES(?, ?, '', 'completed', ?, 0, 0)`)
	insUsage, _ := tx.Prepare(`INSERT INTO usage_reports(role, execution_id, job_id, requester, provider, seq, run_millis, amount, final, signature, at)
		VALUES('requester', ?, ?, ?, ?, ?, ?, ?, 0, x'01', ?)`)
	insVoucher, _ := tx.Prepare(`INSERT INTO vouchers(role, execution_id, seq, requester, provider, cumulative, signature, at)
		VALUES('requester', ?, ?, ?, ?, ?, x'02', ?)`)
	// The billing records as PutUsage and PutVoucher keep them.
	billUsage, _ := tx.Prepare(sqlBillUsage)
	billVoucher, _ := tx.Prepare(sqlBillVoucher)
	req := "0x0000000000000000000000000000000000000001"
	for e := range executions {
		exe, jobID := fmt.Sprintf("e%06d", e), fmt.Sprintf("j%06d", e)
		spec := fmt.Sprintf(`{"apiVersion":"deco/v1","spec":"spec-%d","resources":{"cpu":1,"memory":"1GiB"}}`, e%4)
		if _, err := insJob.Exec(jobID, spec, exe); err != nil {
			b.Fatal(err)
		}
		prov := fmt.Sprintf("0x%040x", e%50)
		for seq := 1; seq <= reports; seq++ {
			t := at + int64(e)*int64(time.Second) + int64(seq)*int64(10*time.Second)
			if _, err := insUsage.Exec(exe, jobID, req, prov, seq, seq*10_000, seq*100, t); err != nil {
				b.Fatal(err)
			}
			if _, err := billUsage.Exec("requester", exe, jobID, req, prov, t, seq*10_000, seq*100); err != nil {
				b.Fatal(err)
			}
			if _, err := insVoucher.Exec(exe, seq, req, prov, seq*100, t); err != nil {
				b.Fatal(err)
			}
			if _, err := billVoucher.Exec("requester", exe, seq); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	from, to := time.Unix(0, at), time.Unix(0, at).Add(1000*time.Hour)
	b.ResetTimer()
	for range b.N {
		recs, err := s.BillingRecords(ctx, RoleRequester, from, to)
		if err != nil {
			b.Fatal(err)
		}
		lines, total, err := operator.Statement(recs, operator.BySpec)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != executions || len(lines) != 4 || total.Executions != executions || total.Paid != executions*reports*100 {
			b.Fatalf("%d records, %d lines, total %+v", len(recs), len(lines), total)
		}
	}
	b.ReportMetric(float64(executions*reports), "reports")
}
