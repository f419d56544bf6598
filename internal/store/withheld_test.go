package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
)

func TestVerifyHolds(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov, other := identity.Address{1}, identity.Address{2}, identity.Address{3}
	t0 := time.Unix(1_796_000_000, 0).UTC()
	for _, h := range []Hold{
		{Execution: "e1", JobID: "j", Node: "p1", Requester: req, Provider: prov, Amount: 30, At: t0},
		{Execution: "e2", JobID: "j", Node: "p2", Requester: req, Provider: other, Amount: 7, At: t0.Add(time.Second)},
		{Execution: "e3", JobID: "k", Requester: req, Provider: prov, Amount: 5, At: t0},
	} {
		if err := s.PutHold(ctx, RoleRequester, h); err != nil {
			t.Fatal(err)
		}
	}
	// A hold recorded again keeps its first amount.
	if err := s.PutHold(ctx, RoleRequester, Hold{Execution: "e1", JobID: "j", Requester: req, Provider: prov, Amount: 99, At: t0}); err != nil {
		t.Fatal(err)
	}
	total := func(p identity.Address) int64 {
		t.Helper()
		n, err := s.HeldTotal(ctx, RoleRequester, req, p)
		if err != nil {
			t.Fatal(err)
		}
		return int64(n)
	}
	if got := total(prov); got != 35 {
		t.Fatalf("held on the channel = %d, want 35", got)
	}
	if n, _ := s.HeldTotal(ctx, RoleProvider, req, prov); n != 0 {
		t.Fatalf("the provider's side holds %d, want 0 (roles apart)", n)
	}
	hs, err := s.JobHolds(ctx, RoleRequester, "j")
	if err != nil || len(hs) != 2 || hs[0].Execution != "e1" || hs[0].Amount != 30 || hs[0].State != HoldHeld || hs[0].Node != "p1" || hs[1].Provider != other {
		t.Fatalf("job holds = %+v, %v", hs, err)
	}
	// Released: no longer left out of the channel's vouchers; decided once.
	if ok, err := s.DecideHold(ctx, RoleRequester, "e1", HoldReleased, t0.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("release = %v, %v", ok, err)
	}
	if ok, _ := s.DecideHold(ctx, RoleRequester, "e1", HoldWithheld, t0); ok {
		t.Fatal("a released hold was decided again")
	}
	if got := total(prov); got != 5 {
		t.Fatalf("held after the release = %d, want 5", got)
	}
	// Withheld: left out for good.
	if ok, _ := s.DecideHold(ctx, RoleRequester, "e3", HoldWithheld, t0); !ok {
		t.Fatal("withhold refused")
	}
	if got := total(prov); got != 5 {
		t.Fatalf("withheld = %d, want 5", got)
	}
	if _, err := s.DecideHold(ctx, RoleRequester, "e2", "held", t0); err == nil {
		t.Fatal("a hold was decided back to held")
	}
	h, err := s.GetHold(ctx, RoleRequester, "e1")
	if err != nil || h.State != HoldReleased || !h.DecidedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("hold e1 = %+v, %v", h, err)
	}
	if _, err := s.GetHold(ctx, RoleRequester, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing hold: %v", err)
	}
	// A channel archived (another escrow) holds nothing.
	if _, err := s.ArchiveChannels(ctx, "0xold", t0); err != nil {
		t.Fatal(err)
	}
	if got := total(prov); got != 0 {
		t.Fatalf("held after archiving = %d, want 0", got)
	}
}
