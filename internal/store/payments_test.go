package store

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

func TestPaymentsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0).UTC()
	put := func(s *Store, exec string, seq uint64, amount money.Amount) money.Amount {
		t.Helper()
		total, err := s.PutUsage(ctx, RoleRequester, Usage{JobID: "j", Requester: req, Provider: prov, At: at,
			Report: market.UsageReport{Execution: exec, Seq: seq, RunMillis: seq * 1000, AmountDue: amount, Signature: []byte{9}}})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	tests := []struct {
		name   string
		exec   string
		seq    uint64
		amount money.Amount
		want   money.Amount
	}{
		{name: "first report", exec: "e1", seq: 1, amount: 10, want: 10},
		{name: "later report replaces", exec: "e1", seq: 2, amount: 25, want: 25},
		{name: "repeated seq ignored", exec: "e1", seq: 2, amount: 99, want: 25},
		{name: "second execution adds", exec: "e2", seq: 1, amount: 5, want: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := put(s, tt.exec, tt.seq, tt.amount); got != tt.want {
				t.Fatalf("total %s, want %s", got, tt.want)
			}
		})
	}
	for _, c := range []money.Amount{25, 30, 20} { // a lower voucher never replaces the latest
		v := Voucher{Execution: "e1", Seq: uint64(c), At: at, Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: c, Signature: []byte{byte(c)}}}
		if err := s.PutVoucher(ctx, RoleRequester, v); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.UsageTotal(ctx, RoleRequester, req, prov); got != 30 {
		t.Fatalf("total after reopen %s, want 30", got)
	}
	if got, _ := s.UsageTotal(ctx, RoleProvider, req, prov); got != 0 {
		t.Fatalf("provider role total %s, want 0", got)
	}
	ch, err := s.PayChannel(ctx, RoleRequester, req, prov)
	if err != nil || ch.Latest.Cumulative != 30 || ch.Latest.Signature[0] != 30 {
		t.Fatalf("channel %+v %v, want latest 30", ch, err)
	}
	us, _ := s.Usages(ctx, RoleRequester, "e1")
	vs, _ := s.Vouchers(ctx, RoleRequester, "e1")
	if len(us) != 2 || us[1].Report.AmountDue != 25 || len(vs) != 3 {
		t.Fatalf("usages %+v vouchers %+v", us, vs)
	}
	if err := s.PutVoucher(ctx, RoleProvider, Voucher{Execution: "e1", Seq: 1, At: at, Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: 40, Signature: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRedeem(ctx, Redeem{Requester: req, Provider: prov, Cumulative: 40, At: at, Result: settle.TxResult{Tx: "0xab", Amount: 40, GasUsed: 50000, Block: 7}}); err != nil {
		t.Fatal(err)
	}
	pc, _ := s.PayChannel(ctx, RoleProvider, req, prov)
	rs, _ := s.Redeems(ctx, 0)
	if pc.Redeemed != 40 || len(rs) != 1 || rs[0].Result.GasUsed != 50000 {
		t.Fatalf("after redeem: channel %+v redeems %+v", pc, rs)
	}
}

// TestArchiveChannels: after the node moves to another escrow its channels
// start from zero, and the old ones are kept aside.
func TestArchiveChannels(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0).UTC()
	usage := func(exec string, amount money.Amount) money.Amount {
		t.Helper()
		total, err := s.PutUsage(ctx, RoleProvider, Usage{JobID: "j", Requester: req, Provider: prov, At: at,
			Report: market.UsageReport{Execution: exec, Seq: 1, RunMillis: 1000, AmountDue: amount, Signature: []byte{9}}})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	usage("e1", 30)
	if err := s.PutVoucher(ctx, RoleProvider, Voucher{Execution: "e1", Seq: 1, At: at,
		Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: 30, Signature: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	moved, err := s.ArchiveChannels(ctx, "1337:0xold", at)
	if err != nil || moved != 1 {
		t.Fatalf("archived %d channels, %v; want 1", moved, err)
	}
	if chs, err := s.PayChannels(ctx, RoleProvider); err != nil || len(chs) != 0 {
		t.Fatalf("channels after archiving: %+v, %v", chs, err)
	}
	if got := usage("e2", 5); got != 5 {
		t.Fatalf("channel total on the new escrow = %s, want 5 (the old 30 archived)", got)
	}
	if us, _ := s.Usages(ctx, RoleProvider, "e1"); len(us) != 1 {
		t.Fatalf("archived execution's reports: %+v, want kept", us)
	}
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM pay_channels_archive WHERE escrow = '1337:0xold' AND cumulative = 30").Scan(&n); err != nil || n != 1 {
		t.Fatalf("archive rows = %d, %v", n, err)
	}
}

// TestNoteChannel: a channel is listed from its first deposit, before any
// voucher; its first voucher then fills it in.
func TestNoteChannel(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0).UTC()
	for range 2 { // noting it again changes nothing
		if err := s.NoteChannel(ctx, RoleRequester, req, prov, at); err != nil {
			t.Fatal(err)
		}
	}
	chs, err := s.PayChannels(ctx, RoleRequester)
	if err != nil || len(chs) != 1 || chs[0].Provider != prov || chs[0].Latest.Cumulative != 0 {
		t.Fatalf("channels after a deposit: %+v %v", chs, err)
	}
	if err := s.PutVoucher(ctx, RoleRequester, Voucher{Execution: "e", Seq: 1, At: at,
		Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: 7, Signature: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteChannel(ctx, RoleRequester, req, prov, at); err != nil {
		t.Fatal(err)
	}
	if ch, _ := s.PayChannel(ctx, RoleRequester, req, prov); ch.Latest.Cumulative != 7 {
		t.Fatalf("channel after its voucher and another note: %+v", ch)
	}
}

// TestUsageTotalMigration: migration 0007 computes each channel's usage
// total from the reports already stored, for a database from before it.
func TestUsageTotalMigration(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0).UTC()
	for _, r := range []struct {
		exec   string
		seq    uint64
		amount money.Amount
	}{{"e1", 1, 10}, {"e1", 2, 25}, {"e2", 1, 5}} {
		if _, err := s.PutUsage(ctx, RoleProvider, Usage{JobID: "j", Requester: req, Provider: prov, At: at,
			Report: market.UsageReport{Execution: r.exec, Seq: r.seq, RunMillis: 1, AmountDue: r.amount, Signature: []byte{1}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Back to the schema before 0007: no totals kept (and none of the
	// later migrations).
	for _, q := range []string{"DROP TABLE usage_samples", "ALTER TABLE usage_reports DROP COLUMN cpu_millis", "ALTER TABLE usage_reports DROP COLUMN memory_peak",
		"ALTER TABLE usage_reports DROP COLUMN gpu_millis", "ALTER TABLE usage_reports DROP COLUMN gpu_memory_peak",
		"DROP TABLE verifications", "DROP TABLE commitments", "ALTER TABLE jobs DROP COLUMN role", "DROP INDEX jobs_listing", "DROP INDEX jobs_state_listing", "DROP INDEX jobs_find", "DROP INDEX jobs_parent", "ALTER TABLE jobs DROP COLUMN task_index", "ALTER TABLE jobs DROP COLUMN parent_id",
		"DELETE FROM pay_channels", "ALTER TABLE pay_channels DROP COLUMN usage_total", "PRAGMA user_version = 6", "DROP TABLE schema_migrations"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.UsageTotal(ctx, RoleProvider, req, prov); err != nil || got != 30 {
		t.Fatalf("usage total after migrating = %s, %v; want 30 (25 + 5)", got, err)
	}
	if got, _ := s.UsageTotal(ctx, RoleRequester, req, prov); got != 0 {
		t.Fatalf("requester role total = %s, want 0", got)
	}
}

// TestRecoverWrittenOff: a late voucher takes back at most what was
// written off, and nothing on a channel with none.
func TestRecoverWrittenOff(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	now := time.Now()
	if took, err := s.Recover(ctx, req, prov, 5, now); err != nil || took != 0 {
		t.Fatalf("recover on no channel: %v %v", took, err)
	}
	if err := s.WriteOff(ctx, req, prov, 10, now); err != nil {
		t.Fatal(err)
	}
	if took, err := s.Recover(ctx, req, prov, 4, now); err != nil || took != 4 {
		t.Fatalf("recover 4 of 10: took %v (%v)", took, err)
	}
	if took, err := s.Recover(ctx, req, prov, 100, now); err != nil || took != 6 {
		t.Fatalf("recover 100 of 6: took %v (%v)", took, err)
	}
	ch, err := s.PayChannel(ctx, RoleProvider, req, prov)
	if err != nil || ch.WrittenOff != 0 {
		t.Fatalf("written off after recovering it all: %v (%v)", ch.WrittenOff, err)
	}
}

// TestBillingRecords: an execution's record is its latest report's run
// time and amount, what the vouchers answered, and its job's spec.
func TestBillingRecords(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0).UTC()
	spec := job.Spec{APIVersion: job.APIVersion, Image: "x", ResourceSpec: "small", Resources: job.Resources{CPU: 500, Memory: 256 << 20}}
	if err := s.CreateJob(ctx, Job{ID: "j", Spec: spec, State: job.StateRunning, CreatedAt: at, UpdatedAt: at, ExecutionID: "e1"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		seq    uint64
		ms     uint64
		amount money.Amount
		paid   bool
	}{{1, 1000, 10, true}, {2, 2000, 20, true}, {3, 3000, 30, false}} {
		u := Usage{JobID: "j", Requester: req, Provider: prov, At: at.Add(time.Duration(r.seq) * time.Second),
			Report: market.UsageReport{Execution: "e1", Seq: r.seq, RunMillis: r.ms, AmountDue: r.amount, Signature: []byte{1}}}
		if _, err := s.PutUsage(ctx, RoleRequester, u); err != nil {
			t.Fatal(err)
		}
		if r.paid {
			v := Voucher{Execution: "e1", Seq: r.seq, At: u.At, Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: r.amount, Signature: []byte{2}}}
			if err := s.PutVoucher(ctx, RoleRequester, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	recs, err := s.BillingRecords(ctx, RoleRequester, at, at.Add(time.Hour))
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %+v %v", recs, err)
	}
	r := recs[0]
	if r.JobID != "j" || r.Spec != "small" || r.RunMillis != 3000 || r.Due != 30 || r.Paid != 20 || !r.End.Equal(at.Add(3*time.Second)) ||
		!r.Start.Equal(at) || r.Requester != req || r.Provider != prov {
		t.Fatalf("record %+v", r)
	}
	if recs, _ := s.BillingRecords(ctx, RoleRequester, at.Add(time.Hour), at.Add(2*time.Hour)); len(recs) != 0 {
		t.Fatalf("outside the window: %+v", recs)
	}
	if recs, _ := s.BillingRecords(ctx, RoleProvider, at, at.Add(time.Hour)); len(recs) != 0 {
		t.Fatalf("other role: %+v", recs)
	}
}
