package market

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

func testDeal(t *testing.T, provider, requester *identity.Key, terms Terms) *Deal {
	t.Helper()
	q := Quote{JobID: "j1", SpecDigest: "sha256:" + "0000000000000000000000000000000000000000000000000000000000000000",
		ExecutionID: "x1", Requester: requester.PeerID(), RequesterAddress: requester.Address(), Terms: terms,
		Deadline: time.Now().Add(time.Minute), Verification: "none"}
	if err := q.SignAsProvider(provider); err != nil {
		t.Fatal(err)
	}
	d, err := Accept(q, requester)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestAmountDue(t *testing.T) {
	terms := Terms{PerHour: 3600 * money.Unit, Fixed: 5, MaxAmount: 10 * money.Unit}
	tests := []struct {
		name string
		ms   uint64
		want money.Amount
	}{
		{name: "not run", ms: 0, want: 5},
		{name: "one second", ms: 1000, want: money.Unit + 5},
		{name: "capped", ms: 3_600_000, want: 10 * money.Unit},
		{name: "huge", ms: 1 << 63, want: 10 * money.Unit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AmountDue(terms, tt.ms); got != tt.want {
				t.Fatalf("AmountDue(%d ms) = %s, want %s", tt.ms, got, tt.want)
			}
		})
	}
}

func TestCheckUsage(t *testing.T) {
	prov, _ := identity.Generate(rand.Reader)
	req, _ := identity.Generate(rand.Reader)
	other, _ := identity.Generate(rand.Reader)
	terms := Terms{PerHour: 3600 * money.Unit, MaxAmount: 5 * money.Unit}
	d := testDeal(t, prov, req, terms)
	good, err := NewUsageReport(prov, d, 2, 3*time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := NewUsageReport(other, d, 2, 3*time.Second, false)
	inflated := good
	inflated.AmountDue += 1
	_ = inflated.Sign(prov)
	capped, _ := NewUsageReport(prov, d, 3, 10*time.Second, false)
	check := UsageCheck{Deal: d, LastSeq: 1, Elapsed: 3 * time.Second, Slack: time.Second}
	tests := []struct {
		name  string
		u     UsageReport
		check UsageCheck
		want  error
	}{
		{name: "good", u: good, check: check},
		{name: "capped at max amount", u: capped, check: UsageCheck{Deal: d, LastSeq: 2, Elapsed: 10 * time.Second}},
		{name: "forged", u: forged, check: check, want: ErrUsageSignature},
		{name: "replayed", u: good, check: UsageCheck{Deal: d, LastSeq: 2, Elapsed: 3 * time.Second}, want: ErrUsageSeq},
		{name: "more run time than passed", u: good, check: UsageCheck{Deal: d, LastSeq: 1, Elapsed: time.Second, Slack: time.Second}, want: ErrUsageRunTime},
		{name: "amount off the terms", u: inflated, check: check, want: ErrUsageAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckUsage(tt.u, tt.check)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("CheckUsage = %v, want %v", err, tt.want)
			}
		})
	}
	if capped.AmountDue != 5*money.Unit {
		t.Fatalf("capped report due %s, want the max amount", capped.AmountDue)
	}
}
