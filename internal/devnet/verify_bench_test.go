package devnet_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/job"
)

// BenchmarkVerifiedJobE2E runs the same wasm task unverified and under
// replicate(2) on one five-node devnet, alternating, and reports each
// one's median wall time from submission to completed and their ratio
// (the target is under 1.15: validators run beside the provider).
func BenchmarkVerifiedJobE2E(b *testing.B) {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 5, Dir: b.TempDir(), NoDocker: true})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := net.WaitForOffers(wctx, 0, 4); err != nil {
		b.Fatal(err)
	}
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		b.Fatal(err)
	}
	mod := exectest.GuestModule(b)
	run := func(policy string) time.Duration {
		spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: mod},
			Command: []string{"write", "answer.txt", "42"}, Verification: policy}
		start := time.Now()
		j, err := c.Submit(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		for {
			d, err := c.Job(ctx, j.ID)
			if err != nil {
				b.Fatal(err)
			}
			if d.State.Terminal() {
				if d.State != job.StateCompleted {
					b.Fatalf("%s job %s: %s", policy, d.State, d.Error)
				}
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var plain, verified []time.Duration
	b.ResetTimer()
	for range b.N {
		plain = append(plain, run("none"))
		verified = append(verified, run("replicate(2)"))
	}
	b.StopTimer()
	med := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	p, v := med(plain), med(verified)
	b.ReportMetric(float64(p.Milliseconds()), "none-ms")
	b.ReportMetric(float64(v.Milliseconds()), "replicate2-ms")
	b.ReportMetric(float64(v)/float64(p), "ratio")
}
