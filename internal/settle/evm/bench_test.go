package evm_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// benchTx measures confirmed-transaction latency over JSON-RPC on the dev
// chain (one confirmation, receipts polled every 5 ms) and reports the median.
func benchTx(b *testing.B, op func(ctx context.Context, req, prov settle.Settlement, i int) error) {
	chain, keys := devChain(b, 2)
	cfg := clientConfig(chain.Info())
	cfg.PollInterval = 5 * time.Millisecond
	req, prov := dial(b, cfg, keys[0]), dial(b, cfg, keys[1])
	ctx := context.Background()
	// Approve and open the channel outside the measurement.
	if _, err := req.Deposit(ctx, prov.Address(), 1000*money.Unit); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := op(ctx, req, prov, i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
}

func BenchmarkDepositConfirmed(b *testing.B) {
	benchTx(b, func(ctx context.Context, req, prov settle.Settlement, _ int) error {
		_, err := req.Deposit(ctx, prov.Address(), money.Unit/100)
		return err
	})
}

func BenchmarkRedeemConfirmed(b *testing.B) {
	benchTx(b, func(ctx context.Context, req, prov settle.Settlement, i int) error {
		v, err := req.SignVoucher(prov.Address(), money.Amount(i+1)*money.Unit/100)
		if err != nil {
			return err
		}
		_, err = prov.Redeem(ctx, v)
		return err
	})
}
