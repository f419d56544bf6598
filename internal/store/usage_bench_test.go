package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
)

// BenchmarkPutUsageLongHistory: one usage report on a channel that already
// holds 2,000 executions of 10 reports each (a provider some weeks old).
func BenchmarkPutUsageLongHistory(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/deco.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0)
	put := func(exec string, seq uint64) {
		if _, err := s.PutUsage(ctx, RoleProvider, Usage{JobID: "j", Requester: req, Provider: prov, At: at,
			Report: market.UsageReport{Execution: exec, Seq: seq, RunMillis: seq, AmountDue: 10, Signature: []byte{1}}}); err != nil {
			b.Fatal(err)
		}
	}
	for e := range 2000 {
		for seq := uint64(1); seq <= 10; seq++ {
			put(fmt.Sprintf("e%d", e), seq)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		put("live", uint64(i+1))
	}
}
