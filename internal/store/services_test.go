package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// TestServiceRecordFolded: a request is counted as served with its
// reservation (ReserveService, AcceptService), and SettleService only
// corrects a request that was not served or cost less; the channel's
// usage total follows on both sides.
func TestServiceRecordFolded(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir()+"/deco.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1e9, 0)
	sign := func(total money.Amount) (settle.SignedVoucher, error) {
		return settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: total, Signature: make([]byte, 65)}, nil
	}
	calls := func(role Role) ServiceCalls {
		t.Helper()
		cs, err := s.ServiceCallsOf(ctx, role)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: %+v %v", role, cs, err)
		}
		return cs[0]
	}
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
