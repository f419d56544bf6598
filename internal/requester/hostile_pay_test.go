package requester

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/store"
)

// TestHostileUsageReports: a provider sends usage reports on a paid task's
// stream that are forged, replayed, for another execution, claim more run
// time than has passed, or ask more than the terms give. The requester
// signs no voucher for any of them, answers the genuine report sent again
// with the voucher it signed for it, and pays the next report after them.
func TestHostileUsageReports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := newPayFixture(t, ctx, job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, Timeout: job.Duration(time.Hour)})
	otherKey, _ := newKeyHost(t)
	usage := func(u market.UsageReport) market.TaskEvent {
		return market.TaskEvent{Type: market.EventUsage, At: time.Now(), Usage: &u}
	}
	report := func(k *identity.Key, edit func(*market.UsageReport)) market.UsageReport {
		u := f.report(k, 1, 30_000)
		if edit != nil {
			edit(&u)
			if err := u.Sign(k); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	first := report(f.provKey, nil)
	f.deliver(usage(first))
	if pay := f.paid(5 * time.Second); pay == nil || pay.Voucher.Cumulative != first.AmountDue {
		t.Fatalf("genuine report: paid %+v, want a voucher for %s", pay, first.AmountDue)
	}

	forgedAmount := report(f.provKey, func(u *market.UsageReport) { u.Seq = 2 })
	forgedAmount.AmountDue = money.Unit // changed after signing
	hostile := map[string]market.UsageReport{
		"signed by another key":   report(otherKey, func(u *market.UsageReport) { u.Seq = 2 }),
		"amount after signing":    forgedAmount,
		"replayed and changed":    report(f.provKey, func(u *market.UsageReport) { u.RunMillis++ }),
		"for another execution":   report(f.provKey, func(u *market.UsageReport) { u.Seq, u.Execution = 2, job.NewID() }),
		"more run time than real": report(f.provKey, func(u *market.UsageReport) { u.Seq, u.RunMillis = 2, uint64(time.Hour/time.Millisecond) }),
		"more than the terms":     report(f.provKey, func(u *market.UsageReport) { u.Seq, u.RunMillis, u.AmountDue = 2, 40_000, money.Unit/2 }),
	}
	for name, u := range hostile {
		f.deliver(usage(u))
		if pay := f.paid(100 * time.Millisecond); pay != nil {
			t.Fatalf("%s: paid with a voucher for %s", name, pay.Voucher.Cumulative)
		}
	}
	// The first report sent again, as a provider does to a stream that
	// reattaches: answered with the voucher already signed, none new.
	f.deliver(usage(first))
	if pay := f.paid(5 * time.Second); pay == nil || pay.Voucher.Cumulative != first.AmountDue || pay.Seq != 1 {
		t.Fatalf("replayed report: answered with %+v, want the voucher for %s again", pay, first.AmountDue)
	}
	second := report(f.provKey, func(u *market.UsageReport) {
		u.Seq, u.RunMillis, u.AmountDue = 2, 45_000, market.AmountDue(f.q.Terms, 45_000)
	})
	f.deliver(usage(second))
	if pay := f.paid(5 * time.Second); pay == nil || pay.Voucher.Cumulative != second.AmountDue || pay.Seq != 2 {
		t.Fatalf("second voucher: %+v, want %s for seq 2", pay, second.AmountDue)
	}
	vs, err := f.st.Vouchers(ctx, store.RoleRequester, f.j.ExecutionID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("requester signed %d vouchers (%v), want the 2 genuine ones", len(vs), err)
	}
}
