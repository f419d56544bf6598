package wasm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/exec/wasm"
)

// TestSampleReadsLinearMemory: a guest that allocates and touches 32 MiB
// shows a linear memory peak of at least that, and no CPU time (wazero
// gives none); an execution removed, or never started, has no sample.
func TestSampleReadsLinearMemory(t *testing.T) {
	ex, err := wasm.New(wasm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	task := guestTask(t, exectest.GuestModule(t), "alloc", "32")
	task.Spec.Resources.Memory = 256 << 20
	if err := ex.Start(ctx, task); err != nil {
		t.Fatal(err)
	}
	res, err := ex.Wait(ctx, task.ExecutionID)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Wait: %+v %v", res, err)
	}
	s, err := ex.Sample(ctx, task.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.MemoryPeak < 32<<20 || s.MemoryPeak > 256<<20 || s.Memory > s.MemoryPeak || s.CPU != 0 {
		t.Fatalf("sample %+v: want a peak between 32 and 256 MiB, memory at most the peak, no CPU time", s)
	}
	t.Logf("linear memory %d MiB, peak %d MiB", s.Memory>>20, s.MemoryPeak>>20)
	if err := ex.Remove(ctx, task.ExecutionID); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Sample(ctx, task.ExecutionID); !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("sample after Remove: %v, want %v", err, exec.ErrNotFound)
	}
}
