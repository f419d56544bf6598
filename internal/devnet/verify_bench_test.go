package devnet_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
// the CPU time each one costs the process (all nodes are in it). The task
// writes one small file: the ratio is the protocol's overhead alone.
func BenchmarkVerifiedJobE2E(b *testing.B) {
	benchVerified(b, []string{"write", "answer.txt", "42"})
}

// BenchmarkVerifiedJobE2EWork is BenchmarkVerifiedJobE2E with a task that
// computes for a while (the guest hashes DECO_BENCH_WORK times, default
// 2.5 million: about 5 s of one core here, from 1 million taking 27.5 s
// at a load average of 28 on 2 cores), so that the ratio is
// also shown for a job that is not pure overhead. All runners share the
// machine's cores, so on a machine with fewer cores than runners the
// validators' runs slow the provider's down: that is CPU, not protocol.
func BenchmarkVerifiedJobE2EWork(b *testing.B) {
	n := "2500000"
	if v := os.Getenv("DECO_BENCH_WORK"); v != "" {
		n = v
	}
	benchVerified(b, []string{"work", n, "answer.txt"})
}

func benchVerified(b *testing.B, command []string) {
	ctx := context.Background()
	cfg := devnet.Config{Nodes: 5, Dir: b.TempDir(), NoDocker: true}
	if os.Getenv("DECO_BENCH_LOG") != "" {
		// Every node's log, for reading one job's timeline at the
		// millisecond.
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	net, err := devnet.Start(ctx, cfg)
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
	// run submits one job under policy and follows it to its end; it
	// returns the wall time and the process's CPU time it took.
	run := func(policy string, warmUp bool) (time.Duration, time.Duration) {
		cpu0 := cpu()
		spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: mod},
			Command: command, Verification: policy}
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
		used := cpu() - cpu0
		d, err := c.Job(ctx, j.ID)
		if err != nil {
			b.Fatal(err)
		}
		if d.State != job.StateCompleted {
			why := fmt.Sprintf("%s job %s: %s", policy, d.State, d.Error)
			for _, v := range d.Validators {
				why += fmt.Sprintf("\n  validator %s %s: %s", v.Provider, v.State, v.Error)
			}
			if warmUp {
				// It warmed the nodes it reached all the same.
				b.Logf("warm-up: %s", why)
				return 0, 0
			}
			b.Fatal(why)
		}
		if os.Getenv("DECO_BENCH_TIMELINE") != "" {
			fmt.Fprintf(os.Stderr, "%s job, %d ms:\n%s", policy, took.Milliseconds(), timeline(d))
		}
		return took, used
	}
	// Warm-up: one replicate(3) job runs on all four providers, so every
	// node has compiled the module once (a node keeps it compiled). The
	// unverified job always lands on the cheapest provider, warm after its
	// first run; without this a validator's first run on a node would be
	// timed with a cold compile (about 1.2 s for the guest) that the
	// unverified job never pays. Its verification may fail (a validator
	// lost on a loaded machine has no spare node to replace it): the nodes
	// it reached are warm all the same.
	run("replicate(3)", true)
	var plain, verified, plainCPU, verifiedCPU []time.Duration
	b.ResetTimer()
	for range b.N {
		w, u := run("none", false)
		plain, plainCPU = append(plain, w), append(plainCPU, u)
		w, u = run("replicate(2)", false)
		verified, verifiedCPU = append(verified, w), append(verifiedCPU, u)
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
