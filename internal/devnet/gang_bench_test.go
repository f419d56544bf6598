package devnet_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

var gangSize = flag.Int("gang.size", 0, "BenchmarkGangWasm: only this task count")

// BenchmarkGangWasm times a job of N trivial wasm tasks on a 9-node
// in-process devnet (a requester and 8 providers of 2 cores, room for 40
// tasks of 50m each) on the dev chain: per iteration it submits the job
// through the REST API and follows it to its end as `deco run --tasks N`
// does. "placed-ms" is submit until the API answers: every task placed,
// quoted by its provider and countersigned; "done-ms" until every task has
// run, been paid for and had its outputs fetched, and the job completed:
// an upper bound on the time until all N are running. N=1 is the
// single-task path, for comparison.
func BenchmarkGangWasm(b *testing.B) {
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	share := job.Resources{CPU: 2000, Memory: 4 * job.GiB, Disk: 4 * job.GiB}
	net, err := devnet.Start(startCtx, devnet.Config{Nodes: 9, Dir: b.TempDir(), NoDocker: true, Share: &share,
		Logger: slog.New(slog.DiscardHandler)})
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	if err := net.WaitForOffers(ctx, 0, 8); err != nil {
		b.Fatal(err)
	}
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		b.Fatal(err)
	}
	sizes := []int{1, 2, 8, 32}
	if *gangSize > 0 {
		sizes = []int{*gangSize}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: trivialModule},
				Resources: job.Resources{CPU: 50, Memory: 16 * job.MiB, Disk: 16 * job.MiB}}
			if n > 1 {
				spec.Tasks = n
			}
			run := func() (placed, done time.Duration) {
				t0 := time.Now()
				j, err := c.Submit(ctx, spec)
				if err != nil {
					b.Fatal(err)
				}
				placed = time.Since(t0)
				if err := c.Logs(ctx, j.ID, true, io.Discard); err != nil {
					b.Fatal(err)
				}
				d, err := c.Job(ctx, j.ID)
				if err != nil {
					b.Fatal(err)
				}
				if d.State != job.StateCompleted || (n > 1 && len(d.Tasks) != n) {
					b.Fatalf("job %s with %d tasks: %s", d.State, len(d.Tasks), d.Error)
				}
				return placed, time.Since(t0)
			}
			for range 3 { // deposits on every channel, compiled modules, warm connections
				run()
				time.Sleep(100 * time.Millisecond)
			}
			placed := make([]time.Duration, 0, b.N)
			done := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				p, d := run()
				placed, done = append(placed, p), append(done, d)
				time.Sleep(100 * time.Millisecond) // under the API's rate limit (50 requests a second)
			}
			b.StopTimer()
			reportPercentilesAs(b, placed, "placed-ms")
			reportPercentilesAs(b, done, "done-ms")
		})
	}
}

// reportPercentilesAs reports the median and 90th percentile of d in
// milliseconds as p50-NAME and p90-NAME.
func reportPercentilesAs(b *testing.B, d []time.Duration, name string) {
	if len(d) == 0 {
		return
	}
	s := append([]time.Duration(nil), d...)
	slices.Sort(s)
	at := func(p int) float64 { return float64(s[(len(s)-1)*p/100]) / float64(time.Millisecond) }
	b.ReportMetric(at(50), "p50-"+name)
	b.ReportMetric(at(90), "p90-"+name)
}
