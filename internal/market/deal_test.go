package market

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

func TestQuoteAndDealSignatures(t *testing.T) {
	prov, _ := identity.Generate(nil)
	req, _ := identity.Generate(nil)
	other, _ := identity.Generate(nil)
	now := time.Unix(1_800_000_000, 0)
	q := Quote{JobID: "j", SpecDigest: "sha256:" + strings.Repeat("ab", 32),
		Requester: req.PeerID(), RequesterAddress: req.Address(),
		Terms:    Terms{PerHour: money.Unit, MaxAmount: money.Unit},
		Deadline: now.Add(30 * time.Second), Verification: "none"}
	if err := q.SignAsProvider(prov); err != nil {
		t.Fatal(err)
	}
	if err := q.VerifyProvider(now); err != nil {
		t.Fatal(err)
	}
	if err := q.VerifyProvider(now.Add(time.Minute)); !errors.Is(err, ErrQuoteExpired) {
		t.Fatalf("expired quote: %v", err)
	}
	d, err := Accept(q, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(now); err != nil {
		t.Fatal(err)
	}
	if _, err := Accept(q, other); err == nil {
		t.Fatal("another requester accepted the quote")
	}
	wrongEscrow := d
	wrongEscrow.Quote.Escrow = "1337:0x0000000000000000000000000000000000000001"
	if err := wrongEscrow.Verify(now); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("escrow changed after signing: %v", err)
	}
	tampered := d
	tampered.Quote.Terms.PerHour = 1
	if err := tampered.Verify(now); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered price: %v", err)
	}
	forged := d
	forged.RequesterSignature, _ = other.SignHash(mustHash(t, q))
	if err := forged.Verify(now); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged requester: %v", err)
	}
}

func mustHash(t *testing.T, q Quote) []byte {
	h, err := q.Hash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestMaxAmount(t *testing.T) {
	if got := MaxAmount(money.Unit, 5, 90*time.Minute); got != money.Unit*3/2+5 {
		t.Fatalf("max amount %v", got)
	}
}
