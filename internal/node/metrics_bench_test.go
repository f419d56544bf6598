package node_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/store"
)

// BenchmarkMetricsScrape is one GET /metrics of a node whose store holds
// 1,000 jobs, 1,000 executions and 1,000 usage reports (a real node:
// SQLite, libp2p on loopback, the REST API; no executor, no chain),
// over HTTP as Prometheus makes it.
func BenchmarkMetricsScrape(b *testing.B) {
	for _, jobs := range []int{0, 1000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) { benchScrape(b, jobs) })
	}
}

func benchScrape(b *testing.B, jobs int) {
	ctx := context.Background()
	n, err := node.New(ctx, node.Config{DataDir: b.TempDir(), ThrowawayKey: true, NoDocker: true, NoWasm: true, NoDHT: true,
		APIAddr: "127.0.0.1:0", ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	now := time.Now()
	states := []job.State{job.StateCompleted, job.StateFailed, job.StateRunning, job.StateCancelled}
	var rows []store.Job
	for i := range jobs {
		rows = append(rows, store.Job{ID: fmt.Sprintf("job-%04d", i), State: states[i%len(states)], CreatedAt: now, UpdatedAt: now,
			Spec: job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}}})
	}
	if jobs > 0 {
		if err := n.Store().CreateJobs(ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
	req, prov := identity.Address{1}, identity.Address{2}
	for i := range jobs {
		id := fmt.Sprintf("x-%04d", i)
		if err := n.Store().PutExecution(ctx, store.Execution{ID: id, JobID: rows[i].ID, State: states[i%len(states)], CreatedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
		if _, err := n.Store().PutUsage(ctx, store.RoleProvider, store.Usage{JobID: rows[i].ID, Requester: req, Provider: prov, At: now,
			Report: market.UsageReport{Execution: id, Seq: 1, RunMillis: 1000, AmountDue: money.Amount(i), Signature: []byte{1}}}); err != nil {
			b.Fatal(err)
		}
	}
	scrape := func() int {
		resp, err := http.Get(n.APIURL() + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		nb, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET /metrics: %s", resp.Status)
		}
		return int(nb)
	}
	size := scrape()
	b.ResetTimer()
	for range b.N {
		// The API lets one client make 50 requests a second after a burst
		// of 100; Prometheus scrapes every 15 s. The pause is not timed.
		b.StopTimer()
		time.Sleep(25 * time.Millisecond)
		b.StartTimer()
		scrape()
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}
