package store

import (
	"context"
	"errors"
	"testing"

	"github.com/deco-network/deco/internal/money"
)

// TestServiceRecordFolded: a request is counted as served with its
// reservation (ReserveService, AcceptService), and SettleService only
// corrects a request that was not served or cost less; the channel's
// usage total follows on both sides.
func TestServiceRecordFolded(t *testing.T) {
	ctx := context.Background()
	s, req, prov, at, sign, calls := serviceFixture(t)
	// Requester: served at the reservation (no correction), served for
	// less, and not served.
	for i, c := range []struct {
		reserved, charged money.Amount
		served            bool
	}{{10, 10, true}, {10, 4, true}, {10, 0, false}} {
		v, err := s.ReserveService(ctx, "echo", req, prov, c.reserved, nil, sign, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SettleService(ctx, RoleRequester, "echo", req, prov, c.reserved, c.charged, c.served, at); err != nil {
			t.Fatal(err)
		}
		if i == 0 && v.Cumulative != 10 {
			t.Fatalf("first voucher %s, want 10", v.Cumulative)
		}
	}
	if c := calls(RoleRequester); c.Requests != 2 || c.Charged != 14 {
		t.Fatalf("requester's record %+v, want 2 requests, 14 charged", c)
	}
	if total, _ := s.UsageTotal(ctx, RoleRequester, req, prov); total != 14 {
		t.Fatalf("requester's usage total %s, want 14", total)
	}
	// A check that refuses records and signs nothing; it sees what was
	// owed before the request and the latest voucher's amount.
	var sawOwed, sawSigned money.Amount
	refused := errors.New("no")
	if _, err := s.ReserveService(ctx, "echo", req, prov, 10, func(owed, signed money.Amount) error {
		sawOwed, sawSigned = owed, signed
		return refused
	}, sign, at); !errors.Is(err, refused) {
		t.Fatalf("refused reservation: %v", err)
	}
	if sawOwed != 14 || sawSigned != 24 {
		t.Fatalf("check saw owed %s signed %s, want 0.000014 and 0.000024", sawOwed, sawSigned)
	}
	if total, _ := s.UsageTotal(ctx, RoleRequester, req, prov); total != 14 {
		t.Fatalf("usage total %s after a refused reservation, want 14", total)
	}
	// Provider: a voucher covering one request of 10 is accepted and
	// counted; the next, not covered, is refused and not counted.
	v, _ := sign(10)
	if err := s.AcceptService(ctx, "echo", v, 10, at); err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptService(ctx, "echo", v, 10, at); err == nil {
		t.Fatal("a voucher covering one request admitted two")
	}
	if c := calls(RoleProvider); c.Requests != 1 || c.Charged != 10 {
		t.Fatalf("provider's record %+v, want 1 request, 10 charged", c)
	}
}
