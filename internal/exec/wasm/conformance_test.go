package wasm_test

import (
	"fmt"
	"os"
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

// testCacheDir is a compilation cache shared by the package's tests, so
// the Go test guest compiles once per test binary rather than once per test.
var testCacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deco-wasm-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newExecutor returns an executor closed when t ends; it uses the shared
// test compilation cache unless cfg names one.
func newExecutor(t testing.TB, cfg wasm.Config) *wasm.Executor {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = testCacheDir
	}
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
