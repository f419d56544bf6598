package wasm

import (
	"context"
	"fmt"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/telemetry"
)

// Sample reports what wazero can tell of an execution's use: its linear
// memory now and the most it grew to (the guest's whole heap, which never
// shrinks), also once it has ended, until Remove. wazero gives no CPU time
// of a guest: the sample's CPU is zero (not measured).
func (e *Executor) Sample(ctx context.Context, executionID string) (telemetry.Sample, error) {
	x, err := e.lookup(executionID)
	if err != nil {
		return telemetry.Sample{}, fmt.Errorf("sample wasm execution %s: %w", executionID, exec.ErrNotFound)
	}
	return telemetry.Sample{At: e.now(), Memory: x.alloc.size.Load(), MemoryPeak: x.alloc.peak.Load()}, nil
}
