package wasm_test

import (
	"testing"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/exec/wasm"
	"github.com/deco-network/deco/internal/job"
)

func TestConformance(t *testing.T) {
	module := exectest.GuestModule(t)
	cacheDir := t.TempDir()
	exectest.Run(t, exectest.Harness{
		New: func(t *testing.T) exec.Executor {
			return newExecutor(t, wasm.Config{CacheDir: cacheDir})
		},
		Spec: func(p exectest.Program) job.Spec {
			return job.Spec{
				APIVersion: job.APIVersion,
				Executor:   job.ExecutorWasm,
				Wasm:       &job.WasmModule{Inline: module},
				Command:    exectest.GuestArgs(p),
			}
		},
		Reattaches: false,
	})
}

// newExecutor returns an executor closed when t ends.
func newExecutor(t testing.TB, cfg wasm.Config) *wasm.Executor {
	t.Helper()
	ex, err := wasm.New(cfg)
	if err != nil {
		t.Fatalf("wasm.New: %v", err)
	}
	t.Cleanup(func() {
		if err := ex.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex
}
