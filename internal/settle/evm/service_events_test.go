package evm_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/deco-network/deco/internal/settle/evm"
)

// TestServiceEventsIncremental: a reader that keeps the registrations and
// reads only the blocks after its last one (ServiceEvents from a cursor,
// ApplyServiceEvents) holds what a full replay from block 0 lists,
// updates and removals included; a range with no new blocks reads none.
func TestServiceEventsIncremental(t *testing.T) {
	ctx := context.Background()
	chain, keys := devChain(t, 2)
	cfg := clientConfig(chain.Info())
	cfg.ServiceRegistry = common.Address(chain.Info().ServiceRegistry)
	a, b := dial(t, cfg, keys[0]), dial(t, cfg, keys[1])
	live := map[evm.ServiceKey]evm.ServiceRecord{}
	var next uint64
	// read applies the blocks from next to the head and returns how many
	// logs they held.
	read := func() int {
		t.Helper()
		head, err := b.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if head.Number < next {
			return 0
		}
		evs, err := b.ServiceEvents(ctx, next, head.Number)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Record.Block < next || ev.Record.Block > head.Number {
				t.Fatalf("event of block %d read from %d to %d", ev.Record.Block, next, head.Number)
			}
		}
		evm.ApplyServiceEvents(live, evs)
		next = head.Number + 1
		return len(evs)
	}
	check := func(stage string) {
		t.Helper()
		full, err := b.ServiceRecords(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := evm.SortedServices(live); !reflect.DeepEqual(got, full) {
			t.Fatalf("%s: incremental %+v\nfull replay %+v", stage, got, full)
		}
	}
	echo := evm.ServiceRecord{Name: "echo", Kind: "http", Price: 5, Verification: "signature", PeerID: keys[0].PeerID()}
	if _, err := a.RegisterService(ctx, echo); err != nil {
		t.Fatal(err)
	}
	if n := read(); n != 1 {
		t.Fatalf("first read: %d logs, want 1", n)
	}
	check("after one registration")
	if n := read(); n != 0 {
		t.Fatalf("a read with no new block: %d logs", n)
	}
	echo.Price = 6
	if _, err := a.RegisterService(ctx, echo); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RegisterService(ctx, evm.ServiceRecord{Name: "llm", Kind: "http", Price: 1, Verification: "none", PeerID: keys[1].PeerID()}); err != nil {
		t.Fatal(err)
	}
	if n := read(); n != 2 {
		t.Fatalf("second read: %d logs, want only the 2 new ones", n)
	}
	check("after an update and a registration")
	if _, err := a.RemoveService(ctx, "echo"); err != nil {
		t.Fatal(err)
	}
	if n := read(); n != 1 {
		t.Fatalf("third read: %d logs, want 1", n)
	}
	check("after a removal")
	if len(live) != 1 {
		t.Fatalf("live after the removal: %+v", live)
	}
}
