package node

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
)

func TestOpenSettlement(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := openSettlement(ctx, dir, key, nil); !errors.Is(err, settle.ErrNoSettlement) {
		t.Fatalf("no chain.json: %v, want ErrNoSettlement", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SettlementFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openSettlement(ctx, dir, key, nil); err == nil || errors.Is(err, settle.ErrNoSettlement) {
		t.Fatalf("broken chain.json: %v, want a parse error", err)
	}

	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{key.Address()}, FundTokens: 77 * money.Unit})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	if err := chain.WriteSettlement(filepath.Join(dir, SettlementFile)); err != nil {
		t.Fatal(err)
	}
	s, err := openSettlement(ctx, dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Address() != key.Address() {
		t.Fatalf("settlement acts as %s, want the node's %s", s.Address(), key.Address())
	}
	if b, err := s.Balance(ctx, key.Address()); err != nil || b != 77*money.Unit {
		t.Fatalf("balance = %s, %v; want 77", b, err)
	}
}
