package devchain

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// TestCallsSeeTheWallClock: with no block mined for an hour, a call at
// latest runs at the current time (a time lock opens when the wall clock
// says so), a call at the head's own number at the head's time, and the
// next block is stamped with the current time.
func TestCallsSeeTheWallClock(t *testing.T) {
	clock := time.Unix(1_900_000_000, 0)
	now := func() time.Time { return clock }
	// TIMESTAMP PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: returns block.timestamp.
	timeOf := common.Address{0x71}
	cfg := *params.AllDevChainProtocolChanges
	l, err := newLedger(&cfg, types.GenesisAlloc{timeOf: {Code: []byte{0x42, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3}, Balance: new(big.Int)}}, now)
	if err != nil {
		t.Fatal(err)
	}
	callTime := func(pending bool) uint64 {
		t.Helper()
		st, header, err := l.stateAt(0, pending)
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.call(context.Background(), newCallMessage(common.Address{}, &timeOf, 0, nil, nil, nil, nil, nil, header.BaseFee), st, header)
		if err != nil || res.Err != nil {
			t.Fatalf("call: %v, %v", err, res)
		}
		return new(big.Int).SetBytes(res.Return()).Uint64()
	}
	clock = clock.Add(time.Hour)
	if got, want := callTime(true), uint64(clock.Unix()); got != want {
		t.Fatalf("call at latest ran at %d, want now %d", got, want)
	}
	if got, want := callTime(false), uint64(1_900_000_000); got != want {
		t.Fatalf("call at block 0 ran at %d, want its time %d", got, want)
	}
	if err := l.adjustTime(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := l.latest().block.Time(), uint64(clock.Add(time.Minute).Unix()); got != want {
		t.Fatalf("block after AdjustTime stamped %d, want %d", got, want)
	}
	clock = clock.Add(-time.Hour) // the wall clock steps back: block time does not
	if err := l.adjustTime(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if b := l.latest().block; b.Time() < l.GetHeaderByNumber(b.NumberU64()-1).Time {
		t.Fatalf("block time went back: %d after %d", b.Time(), l.GetHeaderByNumber(b.NumberU64()-1).Time)
	}
}
