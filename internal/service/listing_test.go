package service

import (
	"testing"

	"github.com/deco-network/deco/internal/identity"
)

// TestCallable: the proxy's providers are the gossiped offers and the
// on-chain registrations without one, a provider both gossiped and
// registered taken once, with the gossiped terms.
func TestCallable(t *testing.T) {
	a, b, c := identity.Address{1}, identity.Address{2}, identity.Address{3}
	offers := []Offer{{Name: "echo", Price: 5, Provider: "pa", Address: a, Signature: []byte{1}}}
	registered := []Listing{
		{Name: "echo", Price: 9, Provider: "pa", Address: a, OnChain: true},                                                  // gossiped too: gossip wins
		{Name: "echo", Price: 7, UnitPrice: 1, MaxUnits: 3, Verification: "none", Provider: "pb", Address: b, OnChain: true}, // chain only
		{Name: "llm", Price: 1, Provider: "pc", Address: c, OnChain: true},                                                   // another service
	}
	got := Callable(offers, registered)
	if len(got) != 3 {
		t.Fatalf("%d offers, want 3: %+v", len(got), got)
	}
	if got[0].Price != 5 || got[0].Signature == nil {
		t.Fatalf("a's terms are not its gossiped ones: %+v", got[0])
	}
	if o := got[1]; o.Provider != "pb" || o.Address != b || o.Price != 7 || o.UnitPrice != 1 || o.MaxUnits != 3 || o.Verification != "none" || o.Max() != 10 {
		t.Fatalf("b's registration: %+v", o)
	}
	if got[2].Name != "llm" {
		t.Fatalf("third: %+v", got[2])
	}
	if offers[0].Price != 5 || len(offers) != 1 {
		t.Fatal("Callable changed its input")
	}
}
