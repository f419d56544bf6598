package store

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// BenchmarkServiceBatchRecords is what one batch of paid service requests
// costs the store on each side: the requester's ReserveServiceBatch, then
// the provider's AcceptServiceBatch of the voucher it signed (one
// transaction each; a service priced per request needs no settling one).
func BenchmarkServiceBatchRecords(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/deco.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req, prov := identity.Address{1}, identity.Address{2}
	at := time.Unix(1700000000, 0)
	sig := make([]byte, 65)
	const n, price = 8, 3
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	for b.Loop() {
		v, err := s.ReserveServiceBatch(ctx, "svc", req, prov, n, n*price, nil, func(total money.Amount) (settle.SignedVoucher, error) {
			return settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: total, Signature: sig}, nil
		}, at)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.AcceptServiceBatch(ctx, "svc", v, n, n*price, at); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time, not wall time: on a shared machine the wall time is
	// mostly waiting for a core.
	b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}
