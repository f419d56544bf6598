package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// TestServiceBatchRecords: a batch of calls is counted and reserved in one
// transaction on each side and corrected once; SignServiceOwed signs what
// the channel owes only above the latest voucher; KeepServiceVoucher
// only raises the provider's latest voucher.
func TestServiceBatchRecords(t *testing.T) {
	ctx := context.Background()
	s, req, prov, at, sign, calls := serviceFixture(t)
	// Requester: 4 calls of most 10 in one batch, signed for their
	// prices (4 × 3) only; 3 served for 25 in all, one not.
	v, err := s.ReserveServiceBatch(ctx, "llm", req, prov, 4, 40, nil, func(money.Amount) (settle.SignedVoucher, error) { return sign(12) }, at)
	if err != nil || v.Cumulative != 12 {
		t.Fatalf("reserve: %+v %v", v, err)
	}
	if total, _ := s.UsageTotal(ctx, RoleRequester, req, prov); total != 40 {
		t.Fatalf("reserved %s, want 40", total)
	}
	if err := s.SettleServiceBatch(ctx, RoleRequester, "llm", req, prov, 40, 25, 1, at); err != nil {
		t.Fatal(err)
	}
	if c := calls(RoleRequester); c.Requests != 3 || c.Charged != 25 {
		t.Fatalf("requester's record %+v, want 3 requests charged 25", c)
	}
	pay, ok, err := s.SignServiceOwed(ctx, req, prov, sign, at)
	if err != nil || !ok || pay.Cumulative != 25 {
		t.Fatalf("sign what is owed: %+v %v %v, want a voucher for 25", pay, ok, err)
	}
	if _, ok, err := s.SignServiceOwed(ctx, req, prov, sign, at); ok || err != nil {
		t.Fatalf("signed again with nothing more owed (%v)", err)
	}
	// Provider: the batch's prices accepted on the voucher for 12, then
	// settled up to what the calls cost with the units; the Payment's
	// voucher raises the latest, a lower one does not.
	low, _ := sign(12)
	if err := s.AcceptServiceBatch(ctx, "llm", low, 4, 12, at); err != nil {
		t.Fatal(err)
	}
	if err := s.SettleServiceBatch(ctx, RoleProvider, "llm", req, prov, 12, 25, 1, at); err != nil {
		t.Fatal(err)
	}
	if c := calls(RoleProvider); c.Requests != 3 || c.Charged != 25 {
		t.Fatalf("provider's record %+v, want 3 requests charged 25", c)
	}
	if total, _ := s.UsageTotal(ctx, RoleProvider, req, prov); total != 25 {
		t.Fatalf("provider's usage total %s, want 25", total)
	}
	if err := s.KeepServiceVoucher(ctx, pay, at); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepServiceVoucher(ctx, low, at); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.PayChannel(ctx, RoleProvider, req, prov); c.Latest.Cumulative != 25 {
		t.Fatalf("provider's latest voucher %s, want 25", c.Latest.Cumulative)
	}
	// A lower voucher (another signature) offered with a request again:
	// not covered, and the latest voucher stays, amount and signature.
	low.Signature = bytes.Repeat([]byte{7}, 65)
	if err := s.AcceptServiceBatch(ctx, "llm", low, 1, 3, at); !errors.Is(err, ErrNotCovered) {
		t.Fatalf("a lower voucher: %v, want ErrNotCovered", err)
	}
	if c, _ := s.PayChannel(ctx, RoleProvider, req, prov); c.Latest.Cumulative != 25 || !bytes.Equal(c.Latest.Signature, pay.Signature) {
		t.Fatalf("provider's latest voucher %s %x after a lower one, want 25 %x", c.Latest.Cumulative, c.Latest.Signature, pay.Signature)
	}
	if c := calls(RoleProvider); c.Requests != 3 || c.Charged != 25 {
		t.Fatalf("provider's record %+v after a refused batch, want 3 requests charged 25", c)
	}
	// A higher one that covers it is kept and the request counted.
	high := pay
	high.Cumulative, high.Signature = 28, bytes.Repeat([]byte{8}, 65)
	if err := s.AcceptServiceBatch(ctx, "llm", high, 1, 3, at); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.PayChannel(ctx, RoleProvider, req, prov); c.Latest.Cumulative != 28 || !bytes.Equal(c.Latest.Signature, high.Signature) {
		t.Fatalf("provider's latest voucher %s %x, want 28 %x", c.Latest.Cumulative, c.Latest.Signature, high.Signature)
	}
	if total, _ := s.UsageTotal(ctx, RoleProvider, req, prov); total != 28 {
		t.Fatalf("provider's usage total %s, want 28", total)
	}
}

// serviceFixture opens a store for the service record tests: a channel
// from req to prov, a time, a fake signer of vouchers on it, and the
// store's one service record on a side.
func serviceFixture(t *testing.T) (s *Store, req, prov identity.Address, at time.Time,
	sign func(money.Amount) (settle.SignedVoucher, error), calls func(Role) ServiceCalls) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir()+"/deco.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	req, prov = identity.Address{1}, identity.Address{2}
	sign = func(total money.Amount) (settle.SignedVoucher, error) {
		return settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: total, Signature: make([]byte, 65)}, nil
	}
	calls = func(role Role) ServiceCalls {
		t.Helper()
		cs, err := s.ServiceCallsOf(ctx, role)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: %+v %v", role, cs, err)
		}
		return cs[0]
	}
	return s, req, prov, time.Unix(1e9, 0), sign, calls
}

// TestServiceCallsCountedLate: a batch's request count is written with
// the pending ones every serviceCallsEvery batches, or before
// ServiceCallsOf reads, or when the store closes; the channel's usage
// total is written with the batch itself.
func TestServiceCallsCountedLate(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/deco.db"
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	req, prov, at := identity.Address{1}, identity.Address{2}, time.Unix(1e9, 0)
	sign := func(total money.Amount) (settle.SignedVoucher, error) {
		return settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: total, Signature: make([]byte, 65)}, nil
	}
	written := func(s *Store) (n int64) {
		t.Helper()
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(requests), 0) FROM service_calls WHERE role = ?`, string(RoleRequester)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	reserve := func(k int) {
		t.Helper()
		for range k {
			if _, err := s.ReserveServiceBatch(ctx, "echo", req, prov, 2, 6, nil, sign, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	reserve(serviceCallsEvery - 1)
	if n := written(s); n != 0 {
		t.Fatalf("%d requests written before %d batches", n, serviceCallsEvery)
	}
	if total, _ := s.UsageTotal(ctx, RoleRequester, req, prov); total != 6*(serviceCallsEvery-1) {
		t.Fatalf("usage total %s, want it written with each batch", total)
	}
	reserve(1)
	if n := written(s); n != 2*serviceCallsEvery {
		t.Fatalf("%d requests written after %d batches, want %d", n, serviceCallsEvery, 2*serviceCallsEvery)
	}
	reserve(3)
	if c, err := s.ServiceCallsOf(ctx, RoleRequester); err != nil || len(c) != 1 || c[0].Requests != 2*serviceCallsEvery+6 || c[0].Charged != 6*(serviceCallsEvery+3) {
		t.Fatalf("service calls %+v %v, want every batch counted", c, err)
	}
	// A second later the pending counts go with the next batch.
	reserve(1)
	at = at.Add(serviceCallsAge)
	reserve(1)
	if n := written(s); n != 2*serviceCallsEvery+10 {
		t.Fatalf("%d requests written a second later, want %d", n, 2*serviceCallsEvery+10)
	}
	reserve(2)
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := written(s); n != 2*serviceCallsEvery+14 {
		t.Fatalf("%d requests after closing and opening again, want %d", n, 2*serviceCallsEvery+14)
	}
}
