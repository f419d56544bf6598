package devnet_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// BenchmarkVerifiedJobE2E runs the same wasm task unverified and under
// replicate(2) on one five-node devnet, alternating, and reports each
// one's median wall time from submission to completed and their ratio
// (the target is under 1.15: validators run beside the provider), and
// the CPU time each one costs the process (all nodes are in it).
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
	// cpu is the CPU time the whole process (every node and the chain)
	// has used: a job's share is what it adds.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var plainCPU, verifiedCPU []time.Duration
	run := func(policy string) time.Duration {
		cpu0 := cpu()
		defer func() {
			if policy == "none" {
				plainCPU = append(plainCPU, cpu()-cpu0)
			} else {
				verifiedCPU = append(verifiedCPU, cpu()-cpu0)
			}
		}()
		spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: mod},
			Command: []string{"write", "answer.txt", "42"}, Verification: policy}
		start := time.Now()
		j, err := c.Submit(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		// The job's log ends when the job does: following it waits
		// without polling the job's detail, whose spec carries the
		// inline module (a verified job's three times, with its
		// validators').
		if err := c.Logs(ctx, j.ID, true, io.Discard); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		d, err := c.Job(ctx, j.ID)
		if err != nil {
			b.Fatal(err)
		}
		if d.State != job.StateCompleted {
			b.Fatalf("%s job %s: %s", policy, d.State, d.Error)
		}
		if os.Getenv("DECO_BENCH_TIMELINE") != "" {
			fmt.Fprintf(os.Stderr, "%s job, %d ms:\n%s", policy, took.Milliseconds(), timeline(d))
		}
		return took
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
	// On a machine with few cores the runs compete for them: the CPU the
	// verified job costs bounds how close its wall time can come.
	b.ReportMetric(float64(med(plainCPU).Milliseconds()), "none-cpu-ms")
	b.ReportMetric(float64(med(verifiedCPU).Milliseconds()), "replicate2-cpu-ms")
}

// timeline lists a job's events and its validators' in ms from the
// job's submission, for reading where a verified job's time goes.
func timeline(d api.JobDetail) string {
	var sb strings.Builder
	t0 := d.CreatedAt
	line := func(who string, evs []store.Event) {
		for _, e := range evs {
			msg := e.Message
			if len(msg) > 90 {
				msg = msg[:90]
			}
			fmt.Fprintf(&sb, "  %6d %-10s %-10s %s\n", e.At.Sub(t0).Milliseconds(), who, e.State, msg)
		}
	}
	line("job", d.Events)
	for i, v := range d.Validators {
		line(fmt.Sprintf("val%d", i), v.Events)
	}
	return sb.String()
}
