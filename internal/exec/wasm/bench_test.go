package wasm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/exec/wasm"
	"github.com/deco-network/deco/internal/job"
)

// benchModule is one module the start benchmarks run.
type benchModule struct {
	name   string
	module []byte
	sha256 string // Spec.Wasm.SHA256, when set
	args   []string
}

// benchModules are the modules the start benchmarks run: a trivial
// hand-assembled module (an empty _start) and the Go test guest (a 3 MB
// module with the Go runtime) printing one line, the latter also with its
// SHA-256 named in the spec (which spares hashing the bytes once compiled).
func benchModules(b *testing.B) []benchModule {
	guest := exectest.GuestModule(b)
	sum := sha256.Sum256(guest)
	return []benchModule{
		{name: "trivial", module: tinyModule(emptyBody, 1)},
		{name: "go-guest", module: guest, args: []string{"echo", "hi"}},
		{name: "go-guest-sha256", module: guest, sha256: hex.EncodeToString(sum[:]), args: []string{"echo", "hi"}},
	}
}

// startToExit prepares, starts, waits for and removes one execution.
func startToExit(b *testing.B, ex *wasm.Executor, m benchModule, i int) {
	ctx := context.Background()
	task := exec.Task{
		JobID:       "bench",
		ExecutionID: fmt.Sprint("bench-", i),
		Spec:        job.Spec{Wasm: &job.WasmModule{Inline: m.module, SHA256: m.sha256}, Command: m.args},
	}
	if err := ex.Prepare(ctx, task); err != nil {
		b.Fatal(err)
	}
	if err := ex.Start(ctx, task); err != nil {
		b.Fatal(err)
	}
	res, err := ex.Wait(ctx, task.ExecutionID)
	if err != nil || res.ExitCode != 0 {
		b.Fatalf("%+v, %v", res, err)
	}
	if err := ex.Remove(ctx, task.ExecutionID); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStartCold measures start-to-exit of a module never seen before:
// a new executor with an empty compilation cache directory each time (the
// executor's own creation is not timed).
func BenchmarkStartCold(b *testing.B) {
	for _, m := range benchModules(b) {
		b.Run(m.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir, err := os.MkdirTemp(b.TempDir(), "cache")
				if err != nil {
					b.Fatal(err)
				}
				ex, err := wasm.New(wasm.Config{CacheDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				startToExit(b, ex, m, i)
				b.StopTimer()
				ex.Close()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkStartDiskCached measures start-to-exit of a module compiled by
// an earlier run of the daemon: a new executor each time, sharing a warm
// on-disk compilation cache.
func BenchmarkStartDiskCached(b *testing.B) {
	for _, m := range benchModules(b) {
		b.Run(m.name, func(b *testing.B) {
			dir := b.TempDir()
			warm, err := wasm.New(wasm.Config{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			startToExit(b, warm, m, -1)
			warm.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ex, err := wasm.New(wasm.Config{CacheDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				startToExit(b, ex, m, i)
				b.StopTimer()
				ex.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkStartCached measures start-to-exit (Prepare, Start, Wait) of a
// module this executor has already compiled.
func BenchmarkStartCached(b *testing.B) {
	for _, m := range benchModules(b) {
		b.Run(m.name, func(b *testing.B) {
			ex := newExecutor(b, wasm.Config{CacheDir: b.TempDir()})
			startToExit(b, ex, m, -1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				startToExit(b, ex, m, i)
			}
		})
	}
}
