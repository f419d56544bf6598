package evm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
)

// TestServiceRegistry: providers register, update and remove services on
// the dev chain's ServiceRegistry; the state and the listing replayed from
// its logs agree; bad terms and someone else's removal revert by name.
func TestServiceRegistry(t *testing.T) {
	ctx := context.Background()
	chain, keys := devChain(t, 3)
	cfg := clientConfig(chain.Info())
	cfg.ServiceRegistry = common.Address(chain.Info().ServiceRegistry)
	if cfg.ServiceRegistry == (common.Address{}) {
		t.Fatal("the dev chain deployed no service registry")
	}
	a, b, c := dial(t, cfg, keys[0]), dial(t, cfg, keys[1]), dial(t, cfg, keys[2])
	echo := evm.ServiceRecord{Name: "echo", Kind: "http", Price: money.Unit / 1000, Verification: "signature", PeerID: keys[0].PeerID()}
	res, err := a.RegisterService(ctx, echo)
	if err != nil || res.GasUsed == 0 {
		t.Fatalf("register: %+v %v", res, err)
	}
	t.Logf("register: %d gas", res.GasUsed)
	llm := evm.ServiceRecord{Name: "llm", Kind: "http", UnitPrice: 3, MaxUnits: 512, Verification: "replicate", PeerID: keys[1].PeerID()}
	if _, err := b.RegisterService(ctx, llm); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RegisterService(ctx, evm.ServiceRecord{Name: "echo", Kind: "http", Price: 7, Verification: "none", PeerID: keys[1].PeerID()}); err != nil {
		t.Fatal(err)
	}
	// An update replaces the terms.
	echo.Price = 2 * money.Unit / 1000
	if _, err := a.RegisterService(ctx, echo); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.RegisteredService(ctx, keys[0].Address(), "echo")
	if err != nil || !ok || got.Price != echo.Price || got.PeerID != keys[0].PeerID() || got.Provider != keys[0].Address() {
		t.Fatalf("state of a's echo: %+v %v %v", got, ok, err)
	}
	list, err := c.ServiceRecords(ctx, 0)
	if err != nil || len(list) != 3 {
		t.Fatalf("listing from logs: %+v %v", list, err)
	}
	if list[0].Name != "echo" || list[2].Name != "llm" || list[2].UnitPrice != 3 || list[2].MaxUnits != 512 || list[2].Verification != "replicate" {
		t.Fatalf("listing: %+v", list)
	}
	for _, r := range list[:2] {
		if r.Provider == keys[0].Address() && r.Price != echo.Price {
			t.Fatalf("the listing kept a's old price: %+v", r)
		}
	}

	for _, tc := range []struct {
		name string
		r    evm.ServiceRecord
		want string
	}{
		{"no price", evm.ServiceRecord{Name: "x", Kind: "http", Verification: "none", PeerID: "p"}, "NoPrice"},
		{"units without max", evm.ServiceRecord{Name: "x", Kind: "http", UnitPrice: 1, Verification: "none", PeerID: "p"}, "UnitsWithoutMax"},
		{"no name", evm.ServiceRecord{Kind: "http", Price: 1, Verification: "none", PeerID: "p"}, "BadName"},
		{"long name", evm.ServiceRecord{Name: strings.Repeat("n", 65), Kind: "http", Price: 1, Verification: "none", PeerID: "p"}, "BadName"},
		{"no peer", evm.ServiceRecord{Name: "x", Kind: "http", Price: 1, Verification: "none"}, "BadField"},
	} {
		if _, err := c.RegisterService(ctx, tc.r); !errors.Is(err, settle.ErrReverted) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a revert %s", tc.name, err, tc.want)
		}
	}
	// Only a service's provider removes it.
	if _, err := c.RemoveService(ctx, "echo"); !errors.Is(err, settle.ErrReverted) || !strings.Contains(err.Error(), "NotRegistered") {
		t.Fatalf("c removing echo it never registered: %v", err)
	}
	if _, err := a.RemoveService(ctx, "echo"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.RegisteredService(ctx, keys[0].Address(), "echo"); ok {
		t.Fatal("a's echo is still registered after its removal")
	}
	list, err = c.ServiceRecords(ctx, 0)
	if err != nil || len(list) != 2 {
		t.Fatalf("listing after a removal: %+v %v", list, err)
	}
	for _, r := range list {
		if r.Provider == keys[0].Address() {
			t.Fatalf("removed service listed: %+v", r)
		}
	}

	// A chain config without a registry says so; the config carries the
	// address through its JSON.
	plain := dial(t, clientConfig(chain.Info()), keys[2])
	if _, err := plain.ServiceRecords(ctx, 0); !errors.Is(err, evm.ErrNoServiceRegistry) {
		t.Fatalf("no registry: %v", err)
	}
	js, _ := json.Marshal(cfg)
	var back evm.Config
	if err := json.Unmarshal(js, &back); err != nil || back.ServiceRegistry != cfg.ServiceRegistry {
		t.Fatalf("config round trip: %s -> %+v %v", js, back, err)
	}
}
