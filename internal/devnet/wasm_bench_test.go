package devnet_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// trivialModule is the smallest WASI command: one page of memory and an
// empty _start (the module internal/exec/wasm's start benchmarks call
// "trivial").
var trivialModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
	0x03, 0x02, 0x01, 0x00, // function section: function 0 has type 0
	0x05, 0x03, 0x01, 0x00, 0x01, // memory section: min 1 page
	0x07, 0x13, 0x02, // export section, 2 exports
	0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00, // _start: function 0
	0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00, // memory: memory 0
	0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: no locals, end
}

// reportPercentiles reports the median and the 90th percentile of the
// per-iteration timings, in unit ("ms" or "us").
func reportPercentiles(b *testing.B, d []time.Duration, unit string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	scale := float64(time.Millisecond)
	if unit == "us" {
		scale = float64(time.Microsecond)
	}
	at := func(p int) float64 { return float64(d[(len(d)-1)*p/100]) / scale }
	b.ReportMetric(at(50), "p50-"+unit)
	b.ReportMetric(at(90), "p90-"+unit)
}

// BenchmarkWasmJobE2E is `deco run --wasm trivial.wasm` on a 3-node
// in-process devnet minus the CLI process start: per iteration it submits
// the module (inline) through the requester's REST API, follows the logs to
// their end and reads the job back, as the CLI does. That covers the REST
// submit, placement, the quote and the deal with the provider over libp2p
// on loopback, the wasm execution (its compilation cached after the
// warm-up), the output digest and the job's final state.
func BenchmarkWasmJobE2E(b *testing.B) {
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	net, err := devnet.Start(startCtx, devnet.Config{Nodes: 3, Dir: b.TempDir(), NoDocker: true,
		Logger: slog.New(slog.DiscardHandler)})
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		b.Fatal(err)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: trivialModule}}
	spec.ApplyDefaults()
	if err := spec.Validate(); err != nil {
		b.Fatal(err)
	}
	runOnce := func() {
		j, err := c.Submit(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Logs(ctx, j.ID, true, io.Discard); err != nil {
			b.Fatal(err)
		}
		d, err := c.Job(ctx, j.ID)
		if err != nil {
			b.Fatal(err)
		}
		if d.State != job.StateCompleted || d.ExitCode == nil || *d.ExitCode != 0 || d.ResultDigest == "" {
			b.Fatalf("wasm job %s exit %v: %s", d.State, d.ExitCode, d.Error)
		}
	}
	for range 5 { // compile the module on the provider, warm the connections
		runOnce()
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		runOnce()
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	reportPercentiles(b, times, "ms")
}

// BenchmarkWasmInProcess runs the same module directly with wazero in this
// process: compiled once, then instantiated and run (its _start) per
// iteration with WASI, as a program embedding wazero would.
func BenchmarkWasmInProcess(b *testing.B) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, trivialModule)
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithArgs("task.wasm").WithStdout(&out).WithStderr(&out)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		mod, err := rt.InstantiateModule(ctx, compiled, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := mod.Close(ctx); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	reportPercentiles(b, times, "us")
}
